import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { BookPosition } from '../../book/order-book';
import { badRequest, type ApiError } from '../errors';

/** The characters of a cursor (base64url without padding); the list schemas allow only these. */
export const CURSOR_PATTERN = '^[A-Za-z0-9_-]+$';
/** Far above any position a list hands out (an mrn is at most 64 characters); the list schemas cap `cursor` here too. */
export const CURSOR_MAX_LENGTH = 4096;

/**
 * 2: a position in the order book. (1 sealed Temporal visibility page tokens: such a cursor, still
 * held by a client across the upgrade, is refused as "not a cursor of this list", never misread.)
 */
const VERSION = 2;
const LIST_DIGEST_BYTES = 16;
const MAC_BYTES = 32;
const HEADER_BYTES = 1 + LIST_DIGEST_BYTES;

/**
 * List cursors are ours: the order book's keyset position (where the page ended) sealed with the
 * list's filters, under an HMAC keyed from the API token (every API process shares it; rotating
 * the token retires the cursors). `open` gives back a position only for a cursor this service made
 * for the same list, so nothing a caller typed ever reaches the book as a position, and a cursor
 * never carries a caller from one filter (or kind of order) into another.
 *
 * Layout, base64url: version (1 byte) · SHA-256 of the list key (first 16 bytes) · position (JSON) · HMAC-SHA-256 of what precedes.
 */
export class ListCursors {
  private readonly key: Buffer;

  constructor(apiToken: string) {
    this.key = createHmac('sha256', apiToken).update('list-cursor-v1').digest();
  }

  /** `list`: the list's kind and filters as one string (list-orders.ts listKey), without the page size. */
  seal(list: string, position: BookPosition): string {
    const body = Buffer.concat([Buffer.from([VERSION]), listDigest(list), Buffer.from(JSON.stringify([position.createdAt, position.mrn]), 'utf8')]);
    return Buffer.concat([body, this.mac(body)]).toString('base64url');
  }

  /** The position inside `cursor`, or a 400 naming `cursor` when this list did not make it. */
  open(list: string, cursor: string): BookPosition {
    if (cursor.length === 0 || cursor.length > CURSOR_MAX_LENGTH || !new RegExp(CURSOR_PATTERN).test(cursor)) throw notACursor();
    const sealed = Buffer.from(cursor, 'base64url');
    // base64url decoding is lenient (it drops a dangling character): only the canonical text counts.
    if (sealed.toString('base64url') !== cursor || sealed.length <= HEADER_BYTES + MAC_BYTES || sealed[0] !== VERSION) throw notACursor();
    const body = sealed.subarray(0, sealed.length - MAC_BYTES);
    if (!timingSafeEqual(sealed.subarray(sealed.length - MAC_BYTES), this.mac(body))) throw notACursor();
    if (!timingSafeEqual(body.subarray(1, HEADER_BYTES), listDigest(list))) {
      throw badRequest('cursor: belongs to a list with other filters; pass the same filters as on the page that gave it');
    }
    return position(body.subarray(HEADER_BYTES));
  }

  private mac(body: Buffer): Buffer {
    return createHmac('sha256', this.key).update(body).digest();
  }
}

function listDigest(list: string): Buffer {
  return createHash('sha256').update(list, 'utf8').digest().subarray(0, LIST_DIGEST_BYTES);
}

/** Only a sealed (so our own) position gets here; it is still read defensively. */
function position(bytes: Buffer): BookPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw notACursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string' || Number.isNaN(Date.parse(parsed[0]))) throw notACursor();
  return { createdAt: parsed[0], mrn: parsed[1] };
}

function notACursor(): ApiError {
  return badRequest('cursor: not a cursor of this list; pass nextCursor of the previous page unchanged');
}
