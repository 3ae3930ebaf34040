/**
 * Scenario A: pay-ins through our real HTTP API (POST /v1/payments, Update-with-Start), settled by
 * the sandbox's immediate callback to POST /callbacks/payments; with `--kind=payout`, payouts
 * through POST /v1/payouts, settled by the callback to POST /callbacks/payouts. The benchmark
 * observes completion with its own Temporal client (`handle.result()`): that is the bench
 * watching, not the API polling.
 */
import type { Client } from '@temporalio/client';
import { Agent, request } from 'undici';
import { paymentWorkflowId, type PaymentState } from '../src/contracts/payment';
import { payoutWorkflowId, type PayoutState } from '../src/contracts/payout';
import { failed, type OrderRunner, type OrderSample } from './run';

export interface OrchestratorTarget {
  apiUrl: string;
  apiToken: string;
  /** A client with the system's data converter (results are encrypted). */
  observer: Client;
  concurrency: number;
}

export const ORDER_AMOUNT = '88.80';
export const ORDER_AMOUNT_FEN = 8880;
export const ORDER_CHANNEL = 2;
export const RETURN_URL = 'https://shop.example.com/paid';
/** Payouts are whole yuan. 100 yuan: the default run (2 × 220 payouts) spends 44,000 of the sandbox's 1,000,000. */
export const PAYOUT_AMOUNT = 100;
export const PAYOUT_AMOUNT_FEN = 10_000;
export const PAYOUT_ACCOUNT = { bankName: 'Bench Bank', accountName: 'Bench Payee', accountNumber: '6222020000000000' } as const;

/** Our API's client side: `runner(prefix)` runs pay-ins named prefix0, prefix1, …; `payoutRunner(prefix)` payouts. */
export function orchestratorClient(target: OrchestratorTarget): { runner(mrnPrefix: string): OrderRunner; payoutRunner(mrnPrefix: string): OrderRunner; close(): Promise<void> } {
  const dispatcher = new Agent({ connections: target.concurrency, keepAliveTimeout: 30_000 });
  const headers = { authorization: `Bearer ${target.apiToken}`, 'content-type': 'application/json' };

  const runner = (mrnPrefix: string): OrderRunner => async (index) => {
    const mrn = `${mrnPrefix}${index}`;
    const workflowId = paymentWorkflowId(mrn);
    const body = JSON.stringify({ mrn, amount: ORDER_AMOUNT, channelId: ORDER_CHANNEL, returnUrl: RETURN_URL });
    const startedAt = Date.now();
    const t0 = performance.now();
    let partial: Partial<OrderSample> = {};
    try {
      const response = await request(`${target.apiUrl}/v1/payments`, { method: 'POST', dispatcher, headers, body });
      const text = await response.body.text();
      if (response.statusCode !== 201) throw new Error(`POST /v1/payments answered ${response.statusCode}: ${text.slice(0, 200)}`);
      const created = JSON.parse(text) as { payUrl?: unknown };
      if (typeof created.payUrl !== 'string') throw new Error(`201 without a payUrl: ${text.slice(0, 200)}`);
      const t1 = performance.now();
      partial = { payUrlMs: t1 - t0, payUrlAt: Date.now() };
      const final = (await target.observer.workflow.getHandle(workflowId).result()) as PaymentState;
      if (final.status !== 'succeeded') throw new Error(`workflow ended ${final.status}`);
      const t2 = performance.now();
      return { mrn, workflowId, startedAt, payUrlMs: t1 - t0, payUrlAt: partial.payUrlAt ?? null, completedMs: t2 - t0, completedAt: Date.now() };
    } catch (error) {
      return failed({ mrn, workflowId, startedAt, ...partial }, error);
    }
  };
  /**
   * A payout's first milestone is the API's 202 with the platform's acceptance (status pending, or
   * already succeeded when the callback beat the create's answer): the counterpart of the payUrl.
   */
  const payoutRunner = (mrnPrefix: string): OrderRunner => async (index) => {
    const mrn = `${mrnPrefix}${index}`;
    const workflowId = payoutWorkflowId(mrn);
    const body = JSON.stringify({ mrn, amount: PAYOUT_AMOUNT, ...PAYOUT_ACCOUNT });
    const startedAt = Date.now();
    const t0 = performance.now();
    let partial: Partial<OrderSample> = {};
    try {
      const response = await request(`${target.apiUrl}/v1/payouts`, { method: 'POST', dispatcher, headers, body });
      const text = await response.body.text();
      if (response.statusCode !== 202) throw new Error(`POST /v1/payouts answered ${response.statusCode}: ${text.slice(0, 200)}`);
      const created = JSON.parse(text) as { status?: unknown };
      if (created.status !== 'pending' && created.status !== 'succeeded') throw new Error(`202 with status ${String(created.status)}: ${text.slice(0, 200)}`);
      const t1 = performance.now();
      partial = { payUrlMs: t1 - t0, payUrlAt: Date.now() };
      const final = (await target.observer.workflow.getHandle(workflowId).result()) as PayoutState;
      if (final.status !== 'succeeded') throw new Error(`workflow ended ${final.status}`);
      const t2 = performance.now();
      return { mrn, workflowId, startedAt, payUrlMs: t1 - t0, payUrlAt: partial.payUrlAt ?? null, completedMs: t2 - t0, completedAt: Date.now() };
    } catch (error) {
      return failed({ mrn, workflowId, startedAt, ...partial }, error);
    }
  };
  return { runner, payoutRunner, close: () => dispatcher.close() };
}
