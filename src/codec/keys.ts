/** Payload encryption keys: "id:base64key[,id:base64key…]". The first encrypts; all decrypt (rotation). */
export interface CodecKey {
  id: string;
  key: Buffer;
}

export interface CodecKeyRing {
  active: CodecKey;
  byId: ReadonlyMap<string, Buffer>;
}

const KEY_ID = /^[A-Za-z0-9_.-]{1,32}$/;

export type ParsedKeyRing = { ok: true; ring: CodecKeyRing } | { ok: false; problems: string[] };

export function parseCodecKeys(text: string): ParsedKeyRing {
  const problems: string[] = [];
  const keys: CodecKey[] = [];
  for (const [index, entry] of text.split(',').map((part) => part.trim()).filter((part) => part !== '').entries()) {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon);
    const material = colon < 0 ? '' : entry.slice(colon + 1);
    // Never echo key material in a message: name the entry by position and id only.
    if (!KEY_ID.test(id)) {
      problems.push(`CODEC_KEYS entry ${index + 1} needs the form id:base64key with an id of letters, digits, _ . -`);
      continue;
    }
    const key = Buffer.from(material, 'base64');
    if (key.length !== 32 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(material)) {
      problems.push(`CODEC_KEYS key "${id}" must be 32 bytes, base64-encoded (e.g. openssl rand -base64 32)`);
      continue;
    }
    if (keys.some((existing) => existing.id === id)) problems.push(`CODEC_KEYS names key "${id}" twice`);
    keys.push({ id, key });
  }
  const [active] = keys;
  if (active === undefined && problems.length === 0) problems.push('CODEC_KEYS has no key');
  if (problems.length > 0 || active === undefined) return { ok: false, problems };
  return { ok: true, ring: { active, byId: new Map(keys.map((k) => [k.id, k.key])) } };
}
