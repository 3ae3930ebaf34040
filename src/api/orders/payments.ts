import type { Client } from '@temporalio/client';
import type { OrderBook } from '../../book/order-book';
import type { PageForm } from '../../gateway/client';
import { channelLabel } from '../../gateway/channels';
import { fenToDecimal } from '../../gateway/amount';
import {
  paymentWorkflowDefinitions,
  paymentWorkflowId,
  type PaymentCreationReply,
  type PaymentRequest,
  type PaymentView,
  type PaymentWorkflowInput,
} from '../../contracts/payment';
import { orderSearchAttributes } from '../../contracts/search-attributes';
import type { OrderTimeouts } from '../../contracts/order';
import { pageFormQuery } from '../../contracts/payment';
import { notFound } from '../errors';
import type { CheckoutLinks } from './checkout-links';
import { queryOrder, readOrder } from './query-order';
import { requestHash } from './request-hash';
import { startOrder } from './start-order';

export interface PaymentOrdersDeps {
  client: Client;
  book: OrderBook;
  taskQueue: string;
  timeouts: OrderTimeouts;
  createWaitMs: number;
  checkoutLinks: CheckoutLinks;
}

export type PaymentAnswer = PaymentView & { checkoutUrl?: string; form?: PageForm };

export interface CreatedPayment {
  httpStatus: 200 | 201 | 202 | 422;
  body: PaymentAnswer | { mrn: string; status: 'creating' } | { mrn: string; status: 'rejected'; error: { message: string } };
}

/** Pay-in orders as the API sees them: start (idempotent on mrn) and read. */
export class PaymentOrders {
  constructor(private readonly deps: PaymentOrdersDeps) {}

  async create(request: PaymentRequest): Promise<CreatedPayment> {
    const { deps } = this;
    const hash = requestHash('payment', [
      request.mrn,
      request.amountFen,
      request.channelId,
      request.returnUrl,
      request.notifyUrl ?? null,
      request.mode,
      request.payer ?? null,
    ]);
    const input: PaymentWorkflowInput = { request, requestHash: hash, timeouts: deps.timeouts };
    const amount = fenToDecimal(request.amountFen);
    const result = await startOrder<PaymentWorkflowInput, PaymentCreationReply, PaymentView>({
      client: deps.client,
      book: deps.book,
      mrn: request.mrn,
      workflow: paymentWorkflowDefinitions,
      taskQueue: deps.taskQueue,
      input,
      requestHash: hash,
      waitMs: deps.createWaitMs,
      searchAttributes: orderSearchAttributes({ kind: 'payment', mrn: request.mrn, status: 'creating', amountFen: request.amountFen, channelId: request.channelId }),
      memo: { kind: 'payment', amountFen: request.amountFen },
      staticSummary: `Pay-in ${amount} CNY · ${channelLabel(request.channelId)} (${request.channelId}) · mrn ${request.mrn}`,
      staticDetails: [
        `**Pay-in** ${request.mrn}`,
        `Amount: ${amount} CNY`,
        `Channel: ${channelLabel(request.channelId)} (${request.channelId})`,
        `Mode: ${request.mode === 'api' ? 'WebAPI' : 'page'}`,
        `Return URL: ${request.returnUrl}`,
        `Merchant notification: ${request.notifyUrl ?? 'none'}`,
        `Payer name given: ${request.payer === undefined ? 'no' : 'yes'}`,
      ].join('\n\n'),
    });
    switch (result.kind) {
      case 'creating':
        return { httpStatus: 202, body: { mrn: request.mrn, status: 'creating' } };
      case 'existing':
        return { httpStatus: 200, body: this.withCheckout(result.view, null) };
      case 'answered': {
        const { view, firstRequest, pageForm } = result.reply;
        if (!firstRequest) return { httpStatus: 200, body: this.withCheckout(view, pageForm) };
        if (view.status === 'rejected') {
          return { httpStatus: 422, body: { mrn: view.mrn, status: 'rejected', error: { message: view.error?.message ?? 'refused by the platform' } } };
        }
        return { httpStatus: 201, body: this.withCheckout(view, pageForm) };
      }
    }
  }

  async get(mrn: string): Promise<PaymentAnswer> {
    const view = await readOrder(this.deps, paymentWorkflowDefinitions, mrn, `no pay-in with mrn ${mrn}`);
    return this.withCheckout(view, null);
  }

  /** The signed form of a page-mode order, for the checkout page: asked of its run (the book does not keep signed forms). */
  async pageForm(mrn: string): Promise<PageForm> {
    const form = await queryOrder(this.deps.client, paymentWorkflowId(mrn), pageFormQuery, `no pay-in with mrn ${mrn}`);
    if (form === null) throw notFound(`pay-in ${mrn} has no page-mode form`);
    return form;
  }

  private withCheckout(view: PaymentView, form: PageForm | null): PaymentAnswer {
    if (view.mode !== 'page') return view;
    const answer: PaymentAnswer = { ...view, checkoutUrl: this.deps.checkoutLinks.url(view.mrn, new Date(view.expiresAt)) };
    if (form !== null) answer.form = form;
    return answer;
  }
}
