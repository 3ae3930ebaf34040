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
} from '../../src/contracts/activities';
import type { MerchantEvent, PlatformAnswer } from '../../src/contracts/order';
import { TEST_GATEWAY } from './callbacks';

/**
 * Scripted stand-ins for the order activities, for workflow tests on the time-skipping server:
 * each test sets how "the platform" and "the merchant" answer and reads back what was asked.
 * (The real activities are tested against the sandbox over HTTP in the end-to-end tests.)
 */
export class FakePlatform {
  readonly calls: { name: keyof OrderActivities; args: unknown }[] = [];
  readonly notifications: MerchantEvent[] = [];

  createPayment: (args: CreatePaymentArgs, attempt: number) => Promise<PaymentCreateResult> = () =>
    Promise.resolve({ kind: 'created', payUrl: 'https://gw.example.com/api/Pay?id=1&channel=Alipay' });
  queryPayment: (args: QueryArgs, attempt: number) => Promise<PlatformAnswer> = () => Promise.resolve({ kind: 'status', status: 0 });
  createPayout: (args: CreatePayoutArgs, attempt: number) => Promise<PayoutCreateResult> = () => Promise.resolve({ kind: 'accepted' });
  queryPayout: (args: QueryArgs, attempt: number) => Promise<PlatformAnswer> = () => Promise.resolve({ kind: 'status', status: 0 });
  notify: (args: NotifyArgs, attempt: number) => Promise<DeliveryAttempt> = () => Promise.resolve({ ok: true, httpStatus: 200 });

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
      // The real check, with the test credentials: callback signals in tests are signed with them.
      ...createCallbackVerification(TEST_GATEWAY),
    };
  }
}
