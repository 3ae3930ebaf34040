import { randomBytes } from 'node:crypto';

/** Our mrn alphabet: safe in URLs, workflow IDs, and the platform's 64-char field. */
export const MRN_PATTERN = '^[A-Za-z0-9_-]{1,64}$';

/** "P20261125214512" + 8 random hex: sortable by time, unique without coordination. */
export function generateMrn(prefix: 'P' | 'W', now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:TZ.]/g, '').slice(0, 14);
  return `${prefix}${stamp}${randomBytes(4).toString('hex')}`;
}
