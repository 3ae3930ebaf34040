import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { CodecKeyRing } from './keys';

export const ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (bytes: Uint8Array | null | undefined): string => (bytes ? new TextDecoder().decode(bytes) : '');

export class CodecKeyError extends Error {
  override name = 'CodecKeyError';
}

/**
 * AES-256-GCM over whole payloads (workflow inputs, results, signals, activity arguments and
 * results, memo, summaries): ciphertext in the server's database and in the UI for anyone without
 * the key. The key id travels in the payload's metadata, so old payloads decode after a rotation.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(private readonly ring: CodecKeyRing) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { id, key } = this.ring.active;
    return payloads.map((payload) => {
        const iv = randomBytes(IV_BYTES);
        const cipher = createCipheriv('aes-256-gcm', key, iv);
        const plain = encodePayloadProto(payload);
        const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
        return { metadata: { [METADATA_ENCODING_KEY]: utf8(ENCODING), [KEY_ID_METADATA]: utf8(id) }, data: sealed };
      });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
        if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCODING) return payload;
        const id = text(payload.metadata?.[KEY_ID_METADATA]);
        const key = this.ring.byId.get(id);
        if (key === undefined) throw new CodecKeyError(`cannot decrypt payload: key "${id}" is not configured in CODEC_KEYS`);
        const data = Buffer.from(payload.data ?? new Uint8Array());
        if (data.length < IV_BYTES + TAG_BYTES) throw new CodecKeyError('cannot decrypt payload: data too short');
        const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        try {
          const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
          return decodePayloadProto(plain);
        } catch {
          throw new CodecKeyError(`cannot decrypt payload with key "${id}": wrong key material or tampered data`);
        }
      });
  }
}

/** The plain payload (metadata + data) as bytes: the proto encoding Temporal itself uses. */
function encodePayloadProto(payload: Payload): Uint8Array {
  return temporal.api.common.v1.Payload.encode(payload).finish();
}

function decodePayloadProto(bytes: Uint8Array): Payload {
  return temporal.api.common.v1.Payload.decode(bytes);
}
