import { Type } from '@sinclair/typebox';
import { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { TypeBoxProvider } from '../../http/typebox';
import { Nullable } from '../../contracts/typebox';
import type { Client } from '@temporalio/client';
import type { OrderBook } from '../../book/order-book';
import { ReconciliationBook } from '../../book/reconciliations';
import { DEFAULTS } from '../../config';
import { Reconciliations, type ReconcileSettings } from '../reconciliations/reconciliations';
import { ErrorBody } from '../schemas';

const DATE_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';

const StartBody = Type.Object(
  { date: Type.String({ pattern: DATE_PATTERN, description: 'the business day, YYYY-MM-DD in RECONCILE_TIMEZONE; today or earlier' }) },
  { additionalProperties: false },
);

const Started = Type.Object(
  {
    date: Type.String(),
    workflowId: Type.String({ description: 'the run that reconciles (or reconciled) the date' }),
    status: Type.Union([Type.Literal('running'), Type.Literal('done')]),
  },
  { description: 'the date\'s reconciliation: the one this request started, or the one that runs or ran' },
);

const Counts = Type.Object({
  checked: Type.Integer(),
  matched: Type.Integer(),
  differs: Type.Integer(),
  unknownAtPlatform: Type.Integer(),
  noAnswer: Type.Integer(),
});

const Item = Type.Object({
  kind: Type.Union([Type.Literal('payment'), Type.Literal('payout')]),
  mrn: Type.String(),
  ourStatus: Type.String(),
  platformAnswer: Type.String({ description: '"status 0|1|2", "not_found", or what stood for no answer' }),
  detail: Nullable(Type.String()),
});

const View = Type.Object({
  date: Type.String(),
  timezone: Type.String(),
  workflowId: Type.String(),
  status: Type.Union([Type.Literal('running'), Type.Literal('done')]),
  startedAt: Type.String(),
  finishedAt: Nullable(Type.String()),
  counts: Counts,
  differences: Type.Array(Item, { description: 'the platform contradicts us (at most 1000; the CSV has all)' }),
  unknownAtPlatform: Type.Array(Item, { description: 'the platform does not know the order (at most 1000)' }),
  noAnswer: Type.Array(Item, { description: 'the platform did not answer (at most 1000)' }),
});

/** `2026-12-01` answers JSON, `2026-12-01.csv` the items as CSV. */
const DateParams = Type.Object({ date: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}(\\.csv)?$', description: 'YYYY-MM-DD, or YYYY-MM-DD.csv for CSV' }) });

export interface ReconciliationRouteDeps {
  client: Client;
  book: OrderBook;
  taskQueue: string;
  /** RECONCILE_TIMEZONE and RECONCILE_QPS (the API's settings); absent: the defaults. */
  reconcile: ReconcileSettings | undefined;
}

export const reconciliationRoutes: FastifyPluginAsync<ReconciliationRouteDeps> = async (parent, { client, book, taskQueue, reconcile }) => {
  const app = parent.withTypeProvider<TypeBoxProvider>();
  const settings = reconcile ?? { timezone: DEFAULTS.RECONCILE_TIMEZONE, qps: Number(DEFAULTS.RECONCILE_QPS) };
  const reconciliations = new Reconciliations({ client, book: new ReconciliationBook(book.pool), taskQueue, settings });
  const tags = ['reconciliations'];

  app.post(
    '/v1/reconciliations',
    {
      schema: {
        summary: 'Reconcile a business day against the platform (once: the same date answers its run)',
        tags,
        body: StartBody,
        response: { 200: Started, 202: Started, 400: ErrorBody, 401: ErrorBody, 503: ErrorBody },
      },
    },
    async (request, reply) => {
      const { created: _created, ...started } = await reconciliations.start(request.body.date);
      // 200: the date is reconciled already; 202: a run is (or now is) at work on it.
      return reply.code(started.status === 'done' ? 200 : 202).send(started);
    },
  );

  app.get(
    '/v1/reconciliations/:date',
    {
      schema: {
        summary: 'A reconciliation: status, counts, the orders the platform contradicts (YYYY-MM-DD.csv: every item as CSV)',
        tags,
        params: DateParams,
        response: { 200: View, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const { date } = request.params;
      if (date.endsWith('.csv')) {
        const day = date.slice(0, -'.csv'.length);
        const chunks = await reconciliations.csv(day);
        // The reply's type follows the JSON schema; the CSV file is a stream, sent as it is.
        return (reply as FastifyReply)
          .header('content-disposition', `attachment; filename="reconciliation-${day}.csv"`)
          .header('cache-control', 'no-store')
          .type('text/csv; charset=utf-8')
          .send(Readable.from(chunks, { objectMode: false }));
      }
      return reconciliations.get(date);
    },
  );
};
