/**
 * Orders that exist while the fuzz runs, so bad requests also aim at real ones: pending payment
 * and payout workflows with the search attributes the API sets, on a task queue of their own with
 * no worker, and their rows in the order book (what the lists and exports read). Nothing about them
 * can be answered by the workflows without a worker, so a bad request that reached Temporal about one
 * of them would wait — and show as slow. Their histories must not grow.
 */
import type { Client } from '@temporalio/client';
import { paymentWorkflowId } from '../../src/contracts/payment';
import { payoutWorkflowId } from '../../src/contracts/payout';
import { orderSearchAttributes } from '../../src/contracts/search-attributes';
import { paymentRecord, payoutRecord } from '../api/book-orders';
import { openTestBook } from '../helpers/book';
import { eventually } from '../helpers/system';
import { uniqueName } from '../helpers/temporal';
import type { Fixtures } from './bad-requests';
import type { FuzzApi } from './support';

export interface RunningFixtures extends Fixtures {
  /** History length of every fixture workflow, by workflow ID. */
  historyLengths(): Promise<Map<string, number>>;
  terminate(): Promise<void>;
}

export async function startFixtures(fuzz: FuzzApi, client: Client): Promise<RunningFixtures> {
  const taskQueue = uniqueName('fuzz-fixtures');
  const stamp = Date.now().toString(36);
  const payments = [`FZfixP1${stamp}`, `FZfixP2${stamp}`];
  const payouts = [`FZfixW1${stamp}`, `FZfixW2${stamp}`];
  const since = new Date(Date.now() - 2_000).toISOString();
  const workflowIds: string[] = [];
  const book = openTestBook();
  for (const mrn of payments) await book.book.record(paymentRecord({ mrn, status: 'pending', amountFen: 100, channelId: 15 }));
  for (const mrn of payouts) await book.book.record(payoutRecord({ mrn, status: 'pending', amountFen: 50_000 }));
  for (const mrn of payments) {
    const workflowId = paymentWorkflowId(mrn);
    workflowIds.push(workflowId);
    await client.workflow.start('paymentWorkflow', {
      taskQueue,
      workflowId,
      args: [],
      typedSearchAttributes: orderSearchAttributes({ kind: 'payment', mrn, status: 'pending', amountFen: 100, channelId: 15 }),
    });
  }
  for (const mrn of payouts) {
    const workflowId = payoutWorkflowId(mrn);
    workflowIds.push(workflowId);
    await client.workflow.start('payoutWorkflow', {
      taskQueue,
      workflowId,
      args: [],
      typedSearchAttributes: orderSearchAttributes({ kind: 'payout', mrn, status: 'pending', amountFen: 50_000 }),
    });
  }

  /** A real nextCursor of `kind`'s list under `filter` (the fixtures make at least two pages of one). */
  const cursorOf = async (kind: 'payments' | 'payouts', filter: string) => {
    const cursor = await eventually(async () => {
      const answer = await fuzz.send({ route: 'fixture', defect: 'none', method: 'GET', url: `/v1/${kind}?${filter}&pageSize=1`, headers: { authorization: `Bearer ${fuzz.secrets.apiToken}` }, odd: true });
      if (answer === 'hung' || answer.status !== 200) throw new Error(`GET /v1/${kind} for a fixture cursor answered ${answer === 'hung' ? 'nothing' : `${answer.status}: ${answer.text}`}`);
      return (JSON.parse(answer.text) as { nextCursor: string | null }).nextCursor ?? undefined;
    }, `a second page of ${kind}`);
    return { filter, cursor };
  };
  const filter = `status=pending&createdFrom=${encodeURIComponent(since)}`;

  return {
    payments,
    payouts,
    paymentCursor: await cursorOf('payments', `${filter}&channelId=15`),
    payoutCursor: await cursorOf('payouts', filter),
    publicUrl: 'http://127.0.0.1:3000',
    async historyLengths() {
      const lengths = new Map<string, number>();
      for (const workflowId of workflowIds) lengths.set(workflowId, (await client.workflow.getHandle(workflowId).describe()).historyLength);
      return lengths;
    },
    async terminate() {
      for (const workflowId of workflowIds) await client.workflow.getHandle(workflowId).terminate('fuzz over').catch(() => undefined);
      await book.close();
    },
  };
}
