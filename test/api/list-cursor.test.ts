/**
 * List cursors are ours: Temporal's page token sealed with the list's query under a key from the
 * API token. Only a cursor this service made for the same list opens; anything else is a 400 that
 * names `cursor` (and never reaches Temporal: `open` is all listOrders does with it before calling).
 */
import { randomBytes } from 'node:crypto';
import { ApiError } from '../../src/api/errors';
import { CURSOR_MAX_LENGTH, CURSOR_PATTERN, ListCursors } from '../../src/api/orders/list-cursor';
import { visibilityQuery } from '../../src/api/orders/list-orders';

const cursors = new ListCursors('api-token-0123456789abcdef');
const succeeded = visibilityQuery('payment', { status: 'succeeded' });
const pageToken = new Uint8Array(randomBytes(57));

/** The 400 that `open` throws, or a failure when it opens. */
function refusal(query: string, cursor: string): ApiError {
  try {
    cursors.open(query, cursor);
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error(`cursor ${JSON.stringify(cursor.slice(0, 40))} opened`);
}

describe('a cursor this list made', () => {
  test('opens to the page token it sealed, and is written in the schema alphabet', () => {
    const cursor = cursors.seal(succeeded, pageToken);

    expect(cursor).toMatch(new RegExp(CURSOR_PATTERN));
    expect(Buffer.from(cursors.open(succeeded, cursor))).toEqual(Buffer.from(pageToken));
  });

  test('opens in another API process that shares the token', () => {
    const cursor = cursors.seal(succeeded, pageToken);

    expect(Buffer.from(new ListCursors('api-token-0123456789abcdef').open(succeeded, cursor))).toEqual(Buffer.from(pageToken));
  });

  test('a page token as large as the visibility store may hand out still fits the schema', () => {
    const cursor = cursors.seal(succeeded, new Uint8Array(2_900));

    expect(cursor.length).toBeLessThanOrEqual(CURSOR_MAX_LENGTH);
  });
});

describe('anything else is a 400 naming cursor', () => {
  const cursor = cursors.seal(succeeded, pageToken);

  test.each([
    ['the value from the issue', '>3k'],
    ['empty', ''],
    ['a raw Temporal-looking token', Buffer.from('{"LastStartTime":"2026-01-01T00:00:00Z"}').toString('base64url')],
    ['base64 with padding', `${cursor}==`],
    ['a dangling character', `${cursor}A`],
    ['truncated', cursor.slice(0, -2)],
    ['huge', 'A'.repeat(CURSOR_MAX_LENGTH + 1)],
    ['huge and well-formed', cursors.seal(succeeded, new Uint8Array(4_000))],
    ['bidi and zero-width characters', `${cursor.slice(0, 10)}\u202e\u200b${cursor.slice(10)}`],
    ['a NUL', `${cursor}\u0000`],
  ])('%s', (_what, given) => {
    const error = refusal(succeeded, given);

    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('bad_request');
    expect(error.message).toMatch(/^cursor: /);
  });

  test('a tampered cursor: every single flipped bit is caught', () => {
    const sealed = Buffer.from(cursor, 'base64url');
    for (let bit = 0; bit < sealed.length * 8; bit += 1) {
      const tampered = Buffer.from(sealed);
      tampered[bit >> 3] ^= 1 << (bit & 7);

      expect(refusal(succeeded, tampered.toString('base64url')).message).toMatch(/^cursor: /);
    }
  });

  test('a cursor of a list with other filters, or of the other kind of order', () => {
    for (const other of [visibilityQuery('payment', {}), visibilityQuery('payment', { status: 'failed' }), visibilityQuery('payout', { status: 'succeeded' })]) {
      expect(refusal(other, cursor).message).toMatch(/^cursor: belongs to a list with other filters/);
    }
  });

  test('a cursor sealed under another API token', () => {
    const foreign = new ListCursors('another-api-token-0123456789').seal(succeeded, pageToken);

    expect(refusal(succeeded, foreign).message).toMatch(/^cursor: not a cursor of this list/);
  });
});
