import type { WorkflowHandle } from '@temporalio/client';
import { createCallbackVerification } from '../../src/activities/callback-verification';
import type {
  CreatePaymentArgs,
  CreatePayoutArgs,
  DeliveryAttempt,
  NotifyArgs,
  OrderActivities,
  PaymentCreateResult,
  PayoutCreateResult,
  QueryArgs,
  RecordOrderResult,
} from '../../src/contracts/activities';
import type { MerchantEvent, PlatformAnswer } from '../../src/contracts/order';
import type { OrderRecord, RecordOrderArgs } from '../../src/contracts/order-record';
import { TEST_GATEWAY } from './callbacks';

/**
 * Scripted stand-ins for the order activities, for workflow tests on the time-skipping server:
 * each test sets how "the platform" and "the merchant" answer and reads back what was asked.
 * (The real activities are tested against the sandbox over HTTP in the end-to-end tests.)
 */
export class FakePlatform {
  readonly calls: { name: keyof OrderActivities; args: unknown }[] = [];
  readonly notifications: MerchantEvent[] = [];
  /** Every record "the order book" took, in the order written (a write the stand-in failed is not here). */
  readonly records: OrderRecord[] = [];

  createPayment: (args: CreatePaymentArgs, attempt: number) => Promise<PaymentCreateResult> = () =>
    Promise.resolve({ kind: 'created', payUrl: 'https://gw.example.com/api/Pay?id=1&channel=Alipay' });
  queryPayment: (args: QueryArgs, attempt: number) => Promise<PlatformAnswer> = () => Promise.resolve({ kind: 'status', status: 0 });
  createPayout: (args: CreatePayoutArgs, attempt: number) => Promise<PayoutCreateResult> = () => Promise.resolve({ kind: 'accepted' });
  queryPayout: (args: QueryArgs, attempt: number) => Promise<PlatformAnswer> = () => Promise.resolve({ kind: 'status', status: 0 });
  notify: (args: NotifyArgs, attempt: number) => Promise<DeliveryAttempt> = () => Promise.resolve({ ok: true, httpStatus: 200 });
  /** Before a book write is kept: reject to make "the database" fail that attempt. */
  book: (args: RecordOrderArgs, attempt: number) => Promise<void> = () => Promise.resolve();

  /** The records of one order, in the order written. */
  recordsOf(mrn: string): OrderRecord[] {
    return this.records.filter((record) => record.mrn === mrn);
  }

  count(name: keyof OrderActivities): number {
    return this.calls.filter((call) => call.name === name).length;
  }

  activities(): OrderActivities {
    const track = <A, R>(name: keyof OrderActivities, run: () => (args: A, attempt: number) => Promise<R>) => (args: A) => {
      this.calls.push({ name, args });
      return run()(args, this.count(name));
    };
    return {
      createPaymentAtPlatform: track('createPaymentAtPlatform', () => this.createPayment),
      queryPaymentAtPlatform: track('queryPaymentAtPlatform', () => this.queryPayment),
      createPayoutAtPlatform: track('createPayoutAtPlatform', () => this.createPayout),
      queryPayoutAtPlatform: track('queryPayoutAtPlatform', () => this.queryPayout),
      notifyMerchant: track('notifyMerchant', () => async (args: NotifyArgs, attempt: number) => {
        const result = await this.notify(args, attempt);
        if (result.ok) this.notifications.push(args.event);
        return result;
      }),
      // Like the real book: a version it already holds (or an older one) is not written again.
      recordOrder: track('recordOrder', () => async ({ record }: RecordOrderArgs, attempt: number): Promise<RecordOrderResult> => {
        await this.book({ record }, attempt);
        const held = this.recordsOf(record.mrn).filter((r) => r.kind === record.kind);
        if (held.some((r) => r.version >= record.version)) return { written: false };
        this.records.push(record);
        return { written: true };
      }),
      // The real check, with the test credentials: callback signals in tests are signed with them.
      ...createCallbackVerification(TEST_GATEWAY),
    };
  }
}

/**
 * Terminates a run still open at the end of a test, once it is idle: no order book write out and no
 * workflow task in progress. A run terminated while the worker holds one of its tasks leaves the
 * time-skipping server unable to skip time for every test after it (the task's completion is
 * refused and its lock stays) — and a run writes the book at each change, often just before a test
 * decides it has seen enough. (Between a test's calls the server does not skip time: no timer fires
 * while this waits, so an idle run stays idle until terminated.)
 */
export async function terminateOpenRun(handle: WorkflowHandle, reason = 'test over'): Promise<void> {
  for (const deadline = Date.now() + 30_000; ; ) {
    const { status, raw } = await handle.describe();
    if (status.name !== 'RUNNING') return;
    const writing = (raw.pendingActivities ?? []).some((activity) => activity.activityType?.name === 'recordOrder');
    const last = (await handle.fetchHistory()).events?.at(-1);
    const taskInProgress = last?.workflowTaskScheduledEventAttributes != null || last?.workflowTaskStartedEventAttributes != null;
    if (!writing && !taskInProgress) break;
    if (Date.now() > deadline) throw new Error(`${handle.workflowId}: still busy after 30 s (${writing ? 'an order book write is out' : 'a workflow task is in progress'})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await handle.terminate(reason);
}
