import { ApplicationFailure, Context, log } from '@temporalio/activity';
import type { OrderBook } from '../book/order-book';
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
  /** Notes each pay-in create request before it is sent (OrderBook.noteCreateRequest). */
  createRequests: Pick<OrderBook, 'noteCreateRequest'>;
  /** Base URL at which the platform reaches our callback routes. */
  publicUrl: string;
}

/**
 * The activities that talk to the platform. They sign with the secret held by the gateway client
 * (from configuration): the secret never enters workflow history. Refusals are returned as data;
 * transient faults are thrown, to be retried with the same mrn (a payout create by its workflow).
 */
export function createPlatformActivities({ gateway, createRequests, publicUrl }: PlatformDeps) {
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
    // Noted before it is sent: whatever becomes of this attempt, the next one knows it may have landed.
    const request = await createRequests.noteCreateRequest('payment', args.mrn).catch((error: unknown) => {
      throw transient('create', `the order book cannot note the create request: ${(error as Error).message}`);
    });
    const outcome = await gateway.createPayment(input);
    switch (outcome.kind) {
      case 'accepted':
        return { kind: 'created', payUrl: outcome.value.payUrl };
      case 'transient':
        throw transient('create', outcome.reason);
      case 'refused': {
        // The refusal of the first request ever sent for this mrn is the platform's answer to it
        // alone: rejected (an mrn already taken then is an order outside this system, never ours to
        // settle on). After an earlier request of ours — noted durably, since an attempt counter
        // starts again when a workflow task or a worker is lost mid-request (the chaos suite's pay-in
        // called rejected that the platform had created and was paid) — a refusal can hide the order
        // that request created before its answer was lost; a pay-in refusal carries no code, only
        // free text (docs/protocol.md), so the platform's query decides: an order it knows is never
        // called rejected.
        if (!request.earlier) return { kind: 'refused', message: outcome.message };
        const known = await gateway.queryPayment(args.mrn, { callback: false });
        if (known.kind === 'accepted') {
          return { kind: 'exists_without_pay_url', message: `create refused (${outcome.message}) but the platform knows the order` };
        }
        if (known.kind === 'transient') throw transient('query after a refused create', known.reason);
        // Not found. The earlier request may still land (the chaos suite found pay-ins called rejected
        // that the platform created afterwards): the refusal stands only once the first attempt is
        // older than any request can be in flight.
        const sinceFirstAttemptMs = Date.now() - Date.parse(request.firstSentAt);
        if (sinceFirstAttemptMs < REFUSAL_CONFIRM_MS) {
          throw transient('create', `refused (${outcome.message}) after an attempt whose outcome is unknown; asking again until an earlier request cannot land any more`);
        }
        // Rare and final: kept in the worker's log with what decided it, for whoever asks why.
        log.warn('pay-in create retry refused; the platform does not know the order', { mrn: args.mrn, attempt: attempt(), refusal: outcome.message, sinceFirstAttemptMs });
        return { kind: 'refused', message: outcome.message };
      }
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

/** A query outcome as the workflows (and the reconciliation) read it. */
export function toAnswer(outcome: Outcome<{ status: 0 | 1 | 2 }>): PlatformAnswer {
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

/**
 * How long after its first attempt a pay-in create refused while the platform does not know the order
 * is retried rather than rejected: longer than any request of ours can be in flight (GATEWAY_HTTP_TIMEOUT
 * is at most 60 s), so an earlier attempt that reached the platform late is found by the query.
 */
const REFUSAL_CONFIRM_MS = 2 * 60_000;

function attempt(): number {
  return Context.current().info.attempt;
}

function transient(step: string, reason: string): ApplicationFailure {
  return ApplicationFailure.retryable(`${step}: ${reason}`, 'PlatformUnavailable');
}
