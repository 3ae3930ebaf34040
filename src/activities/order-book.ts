import { ApplicationFailure, Context } from '@temporalio/activity';
import type { OrderBook } from '../book/order-book';
import type { RecordOrderResult } from '../contracts/activities';
import type { RecordOrderArgs } from '../contracts/order-record';

/** Failure type of a write the book did not take (database down, connection lost): retried by the workflow's policy. */
export const ORDER_BOOK_UNAVAILABLE = 'OrderBookUnavailable';

/**
 * The workflows' door to the order book. The record is already masked (src/contracts/order-record.ts);
 * nothing of it is logged beyond kind, mrn and version.
 */
export function createOrderBookActivities(book: Pick<OrderBook, 'record'>) {
  async function recordOrder({ record }: RecordOrderArgs): Promise<RecordOrderResult> {
    let written: boolean;
    try {
      written = await book.record(record);
    } catch (error) {
      // A fresh failure without the driver's error as its cause: a database error's detail may quote
      // the row, and a failure is kept in the workflow's history. The SQLSTATE is enough to act on.
      const code = (error as { code?: unknown }).code;
      const message = error instanceof Error ? error.message : String(error);
      throw ApplicationFailure.retryable(`order book write failed${typeof code === 'string' ? ` (${code})` : ''}: ${message}`, ORDER_BOOK_UNAVAILABLE);
    }
    // A retried or late write: the book holds this change or a later one already, which is all the workflow asked.
    if (!written) Context.current().log.debug('order book already holds this version or a later one', { kind: record.kind, mrn: record.mrn, version: record.version });
    return { written };
  }
  return { recordOrder };
}
