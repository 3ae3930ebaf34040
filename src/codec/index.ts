import type { DataConverter } from '@temporalio/common';
import { AesGcmPayloadCodec } from './aes-gcm-codec';
import type { CodecKeyRing } from './keys';

export { AesGcmPayloadCodec, CodecKeyError, ENCODING, KEY_ID_METADATA } from './aes-gcm-codec';
export { parseCodecKeys, type CodecKey, type CodecKeyRing } from './keys';

/** The data converter of every client and worker of ours: payloads encrypted end to end. */
export function encryptingDataConverter(ring: CodecKeyRing): DataConverter {
  return { payloadCodecs: [new AesGcmPayloadCodec(ring)] };
}
