/**
 * List cursors are ours: the order book's keyset position sealed with the list's filters under a
 * key from the API token. Only a cursor this service made for the same list opens; anything else is
 * a 400 that names `cursor` (and never reaches the book: `open` is all listOrders does with it before reading).
 */
import { createHash, createHmac } from 'node:crypto';
import { ApiError } from '../../src/api/errors';
import { CURSOR_MAX_LENGTH, CURSOR_PATTERN, ListCursors } from '../../src/api/orders/list-cursor';
import { listKey } from '../../src/api/orders/list-orders';

const cursors = new ListCursors('api-token-0123456789abcdef');
const succeeded = listKey('payment', { status: 'succeeded' });
const position = { createdAt: '2026-11-30T08:00:00.123Z', mrn: 'P20261130080000ab12cd34' };

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
  test('opens to the position it sealed, and is written in the schema alphabet', () => {
    const cursor = cursors.seal(succeeded, position);

    expect(cursor).toMatch(new RegExp(CURSOR_PATTERN));
    expect(cursors.open(succeeded, cursor)).toEqual(position);
  });

  test('opens in another API process that shares the token', () => {
    const cursor = cursors.seal(succeeded, position);

    expect(new ListCursors('api-token-0123456789abcdef').open(succeeded, cursor)).toEqual(position);
  });

  test('the page size is not part of the list: the next page may be asked with another size', () => {
    const cursor = cursors.seal(listKey('payment', { status: 'succeeded', pageSize: 5 }), position);

    expect(cursors.open(listKey('payment', { status: 'succeeded', pageSize: 50 }), cursor)).toEqual(position);
  });

  test('a position with the longest mrn fits the schema by far', () => {
    const cursor = cursors.seal(succeeded, { createdAt: '2026-11-30T08:00:00.123Z', mrn: 'M'.repeat(64) });

    expect(cursor.length).toBeLessThan(CURSOR_MAX_LENGTH / 10);
  });
});

describe('anything else is a 400 naming cursor', () => {
  const cursor = cursors.seal(succeeded, position);

  test.each([
    ['the value from the issue', '>3k'],
    ['empty', ''],
    ['a raw Temporal-looking token', Buffer.from('{"LastStartTime":"2026-01-01T00:00:00Z"}').toString('base64url')],
    ['base64 with padding', `${cursor}==`],
    ['a dangling character', `${cursor}A`],
    ['truncated', cursor.slice(0, -2)],
    ['huge', 'A'.repeat(CURSOR_MAX_LENGTH + 1)],
    ['huge and well-formed', cursors.seal(succeeded, { createdAt: position.createdAt, mrn: 'M'.repeat(4_000) })],
    ['a cursor of the visibility lists this API had before the order book (version 1)', sealedAs(1, succeeded, Buffer.from('{"LastStartTime":"2026-01-01T00:00:00Z"}'))],
    ['sealed right but holding no position', sealedAs(2, succeeded, Buffer.from('not json'))],
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
    const others = [
      listKey('payment', {}),
      listKey('payment', { status: 'failed' }),
      listKey('payout', { status: 'succeeded' }),
      listKey('payment', { status: 'succeeded', channelId: 2 }),
      listKey('payment', { status: 'succeeded', needsAttention: false }),
      listKey('payment', { status: 'succeeded', amountMismatch: true }),
      listKey('payment', { status: 'succeeded', createdFrom: '2026-11-01T00:00:00.000Z' }),
      listKey('payment', { status: 'succeeded', createdTo: '2026-11-01T00:00:00.000Z' }),
    ];
    for (const other of others) {
      expect(refusal(other, cursor).message).toMatch(/^cursor: belongs to a list with other filters/);
    }
  });

  test('a cursor sealed under another API token', () => {
    const foreign = new ListCursors('another-api-token-0123456789').seal(succeeded, position);

    expect(refusal(succeeded, foreign).message).toMatch(/^cursor: not a cursor of this list/);
  });
});

/** A cursor laid out and signed as ListCursors does, with any version and content (what only a holder of the key could make). */
function sealedAs(version: number, list: string, content: Buffer): string {
  const key = createHmac('sha256', 'api-token-0123456789abcdef').update('list-cursor-v1').digest();
  const body = Buffer.concat([Buffer.from([version]), createHash('sha256').update(list, 'utf8').digest().subarray(0, 16), content]);
  return Buffer.concat([body, createHmac('sha256', key).update(body).digest()]).toString('base64url');
}
