import { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { OrderBook } from '../../book/order-book';
import type { OrderKind } from '../../contracts/order';
import type { TypeBoxProvider } from '../../http/typebox';
import { csvChunks } from '../exports/csv';
import { EXPORT_COLUMNS, exportFilename, orderCells } from '../exports/order-csv';
import { normalizeExportQuery } from '../normalize';
import { bookFilter } from '../orders/list-orders';
import { readBook } from '../orders/query-order';
import { CsvFile, ErrorBody, PaymentExportQuery, PayoutExportQuery } from '../schemas';

/** Rows the book hands over per query while an export streams: what sits in memory at most. */
const EXPORT_BATCH = 500;

/**
 * Finance's exports: every order of a period, from the order book (at any age), one CSV line per
 * order, streamed as the book is read. Bad parameters are a JSON 400 before any byte of CSV.
 */
export const exportRoutes: FastifyPluginAsync<{ book: OrderBook }> = async (parent, { book }) => {
  const app = parent.withTypeProvider<TypeBoxProvider>();
  const exports: { kind: OrderKind; path: string; summary: string; querystring: typeof PaymentExportQuery }[] = [
    { kind: 'payment', path: '/v1/exports/payments.csv', summary: 'Export pay-ins as CSV (finance)', querystring: PaymentExportQuery },
    { kind: 'payout', path: '/v1/exports/payouts.csv', summary: 'Export payouts as CSV (finance; account data masked)', querystring: PayoutExportQuery },
  ];
  for (const { kind, path, summary, querystring } of exports) {
    app.get(
      path,
      {
        schema: {
          summary,
          description: 'Orders created in [createdFrom, createdTo), newest first; amounts are decimal yuan. Streamed: any period, in constant memory.',
          tags: ['exports'],
          querystring,
          response: { 200: CsvFile(EXPORT_COLUMNS[kind]), 400: ErrorBody, 401: ErrorBody, 503: ErrorBody },
        },
      },
      async (request, reply) => {
        const filter = bookFilter(normalizeExportQuery(request.query));
        const chunks = csvChunks(EXPORT_COLUMNS[kind], book.scan(kind, filter, EXPORT_BATCH), (order) => orderCells(kind, order));
        // The first chunk is read before the answer starts: a book out of reach is still a JSON 503, not a cut-off file.
        const first = await readBook(() => chunks.next());
        // The reply's type follows the JSON schemas; a CSV file is a stream, sent as it is.
        return (reply as FastifyReply)
          .header('content-disposition', `attachment; filename="${exportFilename(kind, filter)}"`)
          .header('cache-control', 'no-store')
          .type('text/csv; charset=utf-8')
          .send(Readable.from(continued(first, chunks), { objectMode: false }));
      },
    );
  }
};

/** The chunks again, the first one already read included. */
async function* continued(first: IteratorResult<string>, rest: AsyncGenerator<string>): AsyncGenerator<string> {
  if (first.done === true) return;
  yield first.value;
  yield* rest;
}
