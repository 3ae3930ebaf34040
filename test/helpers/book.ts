/**
 * The run's order book (an embedded PostgreSQL the global setup started and migrated):
 *
 *   const { book, close } = openTestBook();   // close() in afterAll
 *   testDatabaseUrl()                          // DATABASE_URL for a system or process under test
 */
import { Pool } from 'pg';
import { OrderBook } from '../../src/book/order-book';
import { TEST_ENV } from './temporal-env';

export function testDatabaseUrl(): string {
  const url = process.env[TEST_ENV.databaseUrl];
  if (!url) throw new Error(`${TEST_ENV.databaseUrl} is not set: run the tests through jest (its global setup starts the order book)`);
  return url;
}

export interface TestBook {
  book: OrderBook;
  pool: Pool;
  close(): Promise<void>;
}

export function openTestBook(): TestBook {
  const pool = new Pool({ connectionString: testDatabaseUrl(), max: 4 });
  return { book: new OrderBook(pool), pool, close: () => pool.end() };
}
