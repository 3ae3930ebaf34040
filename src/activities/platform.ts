import { ApplicationFailure, Context } from '@temporalio/activity';
import type { GatewayClient, Outcome } from '../gateway';
import type { PlatformAnswer } from '../contracts/order';
import type {
  CreatePaymentArgs,
  CreatePayoutArgs,
  PaymentCreateResult,
  PayoutCreateResult,
  QueryArgs,
} from '../contracts/activities';

export interface PlatformDeps {
  gateway: GatewayClient;
  /** Base URL at which the platform reaches our callback routes. */
  publicUrl: string;
}

/**
 * The activities that talk to the platform. They sign with the secret held by the gateway client
 * (from configuration): the secret never enters workflow history. Refusals are returned as data;
 * transient faults are thrown, to be retried with the same mrn (a payout create by its workflow).
 */
export function createPlatformActivities({ gateway, publicUrl }: PlatformDeps) {
  const paymentCallbackUrl = `${publicUrl}/callbacks/payments`;
  const payoutCallbackUrl = `${publicUrl}/callbacks/payouts`;

  async function createPaymentAtPlatform(args: CreatePaymentArgs): Promise<PaymentCreateResult> {
    const input = {
      mrn: args.mrn,
      amountFen: args.amountFen,
      channelId: args.channelId,
      callbackUrl: paymentCallbackUrl,
      returnUrl: args.returnUrl,
      ...(args.payer === undefined ? {} : { payer: args.payer }),
    };
    if (args.mode === 'page') return { kind: 'page', form: gateway.paymentPageForm(input) };
    const outcome = await gateway.createPayment(input);
    switch (outcome.kind) {
      case 'accepted':
        return { kind: 'created', payUrl: outcome.value.payUrl };
      case 'transient':
        throw transient('create', outcome.reason);
      case 'refused':
        if (attempt() > 1) {
          // An earlier attempt of ours may have created the order before its answer was lost.
          const known = await gateway.queryPayment(args.mrn, { callback: false });
          if (known.kind === 'accepted') {
            return { kind: 'exists_without_pay_url', message: `retry refused (${outcome.message}) but the platform knows the order` };
          }
          if (known.kind === 'transient') throw transient('query after refused retry', known.reason);
        }
        return { kind: 'refused', message: outcome.message };
    }
  }

  /** One create request, no retry of its own: the workflow counts attempts and reads the answer. */
  async function createPayoutAtPlatform(args: CreatePayoutArgs): Promise<PayoutCreateResult> {
    const outcome = await gateway.createPayout({ ...args, callbackUrl: payoutCallbackUrl });
    switch (outcome.kind) {
      case 'accepted':
        return { kind: 'accepted' };
      case 'refused':
        return { kind: 'refused', code: outcome.code, message: outcome.message };
      case 'transient':
        throw transient('create', outcome.reason);
    }
  }

  async function queryPaymentAtPlatform(args: QueryArgs): Promise<PlatformAnswer> {
    return toAnswer(await gateway.queryPayment(args.mrn, { callback: args.callback }));
  }

  async function queryPayoutAtPlatform(args: QueryArgs): Promise<PlatformAnswer> {
    return toAnswer(await gateway.queryPayout(args.mrn, { callback: args.callback }));
  }

  return { createPaymentAtPlatform, createPayoutAtPlatform, queryPaymentAtPlatform, queryPayoutAtPlatform };
}

function toAnswer(outcome: Outcome<{ status: 0 | 1 | 2 }>): PlatformAnswer {
  switch (outcome.kind) {
    case 'accepted':
      return { kind: 'status', status: outcome.value.status };
    case 'refused':
      return outcome.code === 'object_not_found'
        ? { kind: 'not_found', message: outcome.message }
        : { kind: 'refused', code: outcome.code, message: outcome.message };
    case 'transient':
      // An answer about another order is no answer about ours; the workflow counts them.
      return outcome.wrongOrder === true
        ? { kind: 'unavailable', reason: outcome.reason, wrongOrder: true }
        : { kind: 'unavailable', reason: outcome.reason };
  }
}

function attempt(): number {
  return Context.current().info.attempt;
}

function transient(step: string, reason: string): ApplicationFailure {
  return ApplicationFailure.retryable(`${step}: ${reason}`, 'PlatformUnavailable');
}
