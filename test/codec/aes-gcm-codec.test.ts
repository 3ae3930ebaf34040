import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, METADATA_ENCODING_KEY } from '@temporalio/common';
import { AesGcmPayloadCodec, CodecKeyError, ENCODING, KEY_ID_METADATA, parseCodecKeys, type CodecKeyRing } from '../../src/codec';

const key = () => randomBytes(32).toString('base64');
function ring(text: string): CodecKeyRing {
  const parsed = parseCodecKeys(text);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.ring;
}

const account = { accountName: '张三', accountNumber: '6222021234567890123' };
const payload = () => defaultPayloadConverter.toPayload(account);

test('an encoded payload is ciphertext labelled with the key id, and decodes back to the original', async () => {
  const codec = new AesGcmPayloadCodec(ring(`k1:${key()}`));
  const [encoded] = await codec.encode([payload()]);
  expect(Buffer.from(encoded.metadata![METADATA_ENCODING_KEY]).toString()).toBe(ENCODING);
  expect(Buffer.from(encoded.metadata![KEY_ID_METADATA]).toString()).toBe('k1');
  const bytes = Buffer.from(encoded.data!);
  expect(bytes.includes(Buffer.from('6222021234567890123'))).toBe(false);
  expect(bytes.includes(Buffer.from('张三'))).toBe(false);
  const [decoded] = await codec.decode([encoded]);
  expect(defaultPayloadConverter.fromPayload(decoded)).toEqual(account);
});

test('the same payload encrypts differently every time (random IV)', async () => {
  const codec = new AesGcmPayloadCodec(ring(`k1:${key()}`));
  const [a, b] = await codec.encode([payload(), payload()]);
  expect(Buffer.from(a.data!).equals(Buffer.from(b.data!))).toBe(false);
});

test('after a rotation, new payloads use the new key and old ones still decode', async () => {
  const oldKey = key();
  const before = new AesGcmPayloadCodec(ring(`k1:${oldKey}`));
  const [old] = await before.encode([payload()]);
  const after = new AesGcmPayloadCodec(ring(`k2:${key()},k1:${oldKey}`));
  const [fresh] = await after.encode([payload()]);
  expect(Buffer.from(fresh.metadata![KEY_ID_METADATA]).toString()).toBe('k2');
  const decoded = await after.decode([old, fresh]);
  expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([account, account]);
});

test('decoding with the wrong key material fails clearly', async () => {
  const [encoded] = await new AesGcmPayloadCodec(ring(`k1:${key()}`)).encode([payload()]);
  const wrong = new AesGcmPayloadCodec(ring(`k1:${key()}`));
  await expect(wrong.decode([encoded])).rejects.toThrow(new CodecKeyError('cannot decrypt payload with key "k1": wrong key material or tampered data'));
});

test('decoding a payload whose key is not configured names the missing key id', async () => {
  const [encoded] = await new AesGcmPayloadCodec(ring(`k1:${key()}`)).encode([payload()]);
  await expect(new AesGcmPayloadCodec(ring(`k9:${key()}`)).decode([encoded])).rejects.toThrow('key "k1" is not configured in CODEC_KEYS');
});

test('tampered ciphertext is refused', async () => {
  const codec = new AesGcmPayloadCodec(ring(`k1:${key()}`));
  const [encoded] = await codec.encode([payload()]);
  const data = Buffer.from(encoded.data!);
  data[20] = (data[20] ?? 0) ^ 0xff;
  await expect(codec.decode([{ ...encoded, data }])).rejects.toBeInstanceOf(CodecKeyError);
});

test('plain payloads (not ours) pass through decode untouched', async () => {
  const codec = new AesGcmPayloadCodec(ring(`k1:${key()}`));
  const plain = payload();
  expect(await codec.decode([plain])).toEqual([plain]);
});

test('CODEC_KEYS problems are named without echoing key material', () => {
  const secretLooking = 'c2hvcnQ=';
  const parsed = parseCodecKeys(`k1:${secretLooking},bad id:${key()},k1:${key()}`);
  expect(parsed.ok).toBe(false);
  const problems = parsed.ok ? [] : parsed.problems;
  expect(problems).toEqual([
    'CODEC_KEYS key "k1" must be 32 bytes, base64-encoded (e.g. openssl rand -base64 32)',
    'CODEC_KEYS entry 2 needs the form id:base64key with an id of letters, digits, _ . -',
  ]);
  expect(problems.join(' ')).not.toContain(secretLooking);
  expect(parseCodecKeys('').ok).toBe(false);
});
