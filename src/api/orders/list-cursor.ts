import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { badRequest, type ApiError } from '../errors';

/** The characters of a cursor (base64url without padding); the list schemas allow only these. */
export const CURSOR_PATTERN = '^[A-Za-z0-9_-]+$';
/** Far above any page token the visibility store hands out; the list schemas cap `cursor` here too. */
export const CURSOR_MAX_LENGTH = 4096;

const VERSION = 1;
const QUERY_DIGEST_BYTES = 16;
const MAC_BYTES = 32;
const HEADER_BYTES = 1 + QUERY_DIGEST_BYTES;

/**
 * List cursors are ours: Temporal's page token sealed with the list's visibility query, under an
 * HMAC keyed from the API token (every API process shares it; rotating the token retires the
 * cursors). `open` gives back a token only for a cursor this service made for the same query, so
 * nothing a caller typed ever reaches Temporal as a page token.
 *
 * Layout, base64url: version (1 byte) · SHA-256 of the query (first 16 bytes) · page token · HMAC-SHA-256 of what precedes.
 */
export class ListCursors {
  private readonly key: Buffer;

  constructor(apiToken: string) {
    this.key = createHmac('sha256', apiToken).update('list-cursor-v1').digest();
  }

  seal(query: string, pageToken: Uint8Array): string {
    const body = Buffer.concat([Buffer.from([VERSION]), queryDigest(query), pageToken]);
    return Buffer.concat([body, this.mac(body)]).toString('base64url');
  }

  /** Temporal's page token inside `cursor`, or a 400 naming `cursor` when this list did not make it. */
  open(query: string, cursor: string): Uint8Array {
    if (cursor.length === 0 || cursor.length > CURSOR_MAX_LENGTH || !new RegExp(CURSOR_PATTERN).test(cursor)) throw notACursor();
    const sealed = Buffer.from(cursor, 'base64url');
    // base64url decoding is lenient (it drops a dangling character): only the canonical text counts.
    if (sealed.toString('base64url') !== cursor || sealed.length <= HEADER_BYTES + MAC_BYTES || sealed[0] !== VERSION) throw notACursor();
    const body = sealed.subarray(0, sealed.length - MAC_BYTES);
    if (!timingSafeEqual(sealed.subarray(sealed.length - MAC_BYTES), this.mac(body))) throw notACursor();
    if (!timingSafeEqual(body.subarray(1, HEADER_BYTES), queryDigest(query))) {
      throw badRequest('cursor: belongs to a list with other filters; pass the same filters as on the page that gave it');
    }
    return new Uint8Array(body.subarray(HEADER_BYTES));
  }

  private mac(body: Buffer): Buffer {
    return createHmac('sha256', this.key).update(body).digest();
  }
}

function queryDigest(query: string): Buffer {
  return createHash('sha256').update(query, 'utf8').digest().subarray(0, QUERY_DIGEST_BYTES);
}

function notACursor(): ApiError {
  return badRequest('cursor: not a cursor of this list; pass nextCursor of the previous page unchanged');
}
