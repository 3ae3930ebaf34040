import { ApplicationFailure, Context } from '@temporalio/activity';
import type { GatewayClient, Outcome } from '../gateway';
import type { PlatformAnswer } from '../workflows/shared/order-types';
import type {
  CreatePaymentArgs,
  CreatePayoutArgs,
  PaymentCreateResult,
  PayoutCreateResult,
  QueryArgs,
} from './types';

export interface PlatformDeps {
  gateway: GatewayClient;
  /** Base URL at which the platform reaches our callback routes. */
  publicUrl: string;
}

/** Codes that mean the platform created nothing: the payout is rejected, never retried. */
const NOTHING_CREATED = new Set(['invalid_data', 'sign_error', 'insufficient_balance', 'object_not_found']);

/**
 * The activities that talk to the platform. They sign with the secret held by the gateway client
 * (from configuration): the secret never enters workflow history. Refusals are returned as data;
 * transient faults are thrown so the activity's retry policy retries them with the same mrn.
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

  async function createPayoutAtPlatform(args: CreatePayoutArgs): Promise<PayoutCreateResult> {
    const outcome = await gateway.createPayout({ ...args, callbackUrl: payoutCallbackUrl });
    switch (outcome.kind) {
      case 'accepted':
        return { kind: 'accepted' };
      case 'transient':
        // Retried with the same mrn: our idempotency key at the platform.
        throw transient('create', outcome.reason);
      case 'refused':
        if (NOTHING_CREATED.has(outcome.code)) return { kind: 'refused', code: outcome.code, message: outcome.message };
        if (outcome.code !== 'mrn_duplication') {
          // An answer we do not know: it proves nothing either way, so ask again later.
          throw transient('create', `unknown answer ${outcome.code}: ${outcome.message}`);
        }
        if (attempt() === 1) return { kind: 'duplicate_foreign', message: outcome.message };
        return confirmOurDuplicate(args.mrn);
    }
  }

  /** mrn_duplication after an attempt whose outcome we never learned: very likely ours — confirm. */
  async function confirmOurDuplicate(mrn: string): Promise<PayoutCreateResult> {
    const known = await gateway.queryPayout(mrn, { callback: false });
    if (known.kind === 'accepted') return { kind: 'duplicate_confirmed', status: known.value.status };
    const reason = known.kind === 'refused' ? `${known.code}: ${known.message}` : known.reason;
    throw transient('confirm duplicate by query', reason);
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
      return { kind: 'unavailable', reason: outcome.reason };
  }
}

function attempt(): number {
  return Context.current().info.attempt;
}

function transient(step: string, reason: string): ApplicationFailure {
  return ApplicationFailure.retryable(`${step}: ${reason}`, 'PlatformUnavailable');
}
