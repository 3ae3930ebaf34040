import type { Client } from '@temporalio/client';
import type { OrderBook } from '../../book/order-book';
import { fenToWholeYuan } from '../../gateway/amount';
import {
  payoutWorkflowDefinitions,
  payoutWorkflowId,
  recheckPayout,
  resolvePayout,
  type PayoutCreationReply,
  type PayoutRequest,
  type PayoutView,
  type PayoutWorkflowInput,
  type ResolveRequest,
} from '../../contracts/payout';
import { orderSearchAttributes } from '../../contracts/search-attributes';
import { maskAccountNumber } from '../../contracts/masking';
import type { OrderTimeouts } from '../../contracts/order';
import { conflict, isNotFound, isUnavailable, temporalUnavailable, workflowRefusal } from '../errors';
import { readOrder } from './query-order';
import { requestHash } from './request-hash';
import { startOrder } from './start-order';

export interface PayoutOrdersDeps {
  client: Client;
  book: OrderBook;
  taskQueue: string;
  timeouts: OrderTimeouts;
  createWaitMs: number;
}

export interface CreatedPayout {
  httpStatus: 200 | 202 | 422;
  body: PayoutView | { mrn: string; status: 'creating' } | { mrn: string; status: 'rejected'; error: { code: string; message: string } };
}

/** Payout orders as the API sees them: start (idempotent on mrn), read, and operator actions. */
export class PayoutOrders {
  constructor(private readonly deps: PayoutOrdersDeps) {}

  async create(request: PayoutRequest): Promise<CreatedPayout> {
    const { deps } = this;
    const hash = requestHash('payout', [
      request.mrn,
      request.amountFen,
      request.bankName,
      request.accountName,
      request.accountNumber,
      request.notifyUrl ?? null,
    ]);
    const input: PayoutWorkflowInput = { request, requestHash: hash, timeouts: deps.timeouts };
    const amount = fenToWholeYuan(request.amountFen);
    const account = maskAccountNumber(request.accountNumber);
    const result = await startOrder<PayoutWorkflowInput, PayoutCreationReply, PayoutView>({
      client: deps.client,
      book: deps.book,
      mrn: request.mrn,
      workflow: payoutWorkflowDefinitions,
      taskQueue: deps.taskQueue,
      input,
      requestHash: hash,
      waitMs: deps.createWaitMs,
      searchAttributes: orderSearchAttributes({ kind: 'payout', mrn: request.mrn, status: 'creating', amountFen: request.amountFen }),
      memo: { kind: 'payout', amountFen: request.amountFen },
      staticSummary: `Payout ${amount} CNY → ${request.bankName} ${account} · mrn ${request.mrn}`,
      staticDetails: [
        `**Payout** ${request.mrn}`,
        `Amount: ${amount} CNY`,
        `Bank: ${request.bankName}`,
        `Account: ${account}`,
        `Merchant notification: ${request.notifyUrl ?? 'none'}`,
      ].join('\n\n'),
    });
    switch (result.kind) {
      case 'creating':
        return { httpStatus: 202, body: { mrn: request.mrn, status: 'creating' } };
      case 'existing':
        return { httpStatus: 200, body: result.view };
      case 'answered': {
        const { view, firstRequest } = result.reply;
        if (!firstRequest) return { httpStatus: 200, body: view };
        if (view.status === 'rejected') {
          const error = view.error ?? { code: 'refused', message: 'refused by the platform' };
          return { httpStatus: 422, body: { mrn: view.mrn, status: 'rejected', error } };
        }
        return { httpStatus: 202, body: view };
      }
    }
  }

  get(mrn: string): Promise<PayoutView> {
    return readOrder(this.deps, payoutWorkflowDefinitions, mrn, `no payout with mrn ${mrn}`);
  }

  recheck(mrn: string, reason: string): Promise<PayoutView> {
    return this.operatorUpdate(mrn, () => this.deps.client.workflow.getHandle(payoutWorkflowId(mrn)).executeUpdate(recheckPayout, { args: [{ reason }] }));
  }

  resolve(mrn: string, request: ResolveRequest): Promise<PayoutView> {
    return this.operatorUpdate(mrn, () => this.deps.client.workflow.getHandle(payoutWorkflowId(mrn)).executeUpdate(resolvePayout, { args: [request] }));
  }

  private async operatorUpdate(mrn: string, run: () => Promise<PayoutView>): Promise<PayoutView> {
    try {
      return await run();
    } catch (error) {
      const refusal = workflowRefusal(error); // a blank reason, not pending, contradicted or unconfirmed by the platform
      if (refusal !== undefined) throw refusal;
      // The run has closed (decided and merchant notified): the payout exists, it is just no longer open.
      if (isNotFound(error)) throw conflict(`payout ${mrn} is already ${(await this.get(mrn)).status}`);
      if (isUnavailable(error)) throw temporalUnavailable();
      throw error;
    }
  }
}
