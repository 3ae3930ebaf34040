/**
 * Orders written straight into the order book, as the workflows' `recordOrder` would write them:
 * for tests of what the API answers from the book alone (no workflow, no worker). The request
 * hash is computed as the API computes it, so a POST of `paymentBody`/`payoutBody` is a retry.
 */
import { requestHash } from '../../src/api/orders/request-hash';
import type { OrderRecord } from '../../src/contracts/order-record';
import type { PaymentView } from '../../src/contracts/payment';
import type { PayoutView } from '../../src/contracts/payout';
import { maskAccountNumber, maskName } from '../../src/contracts/masking';
import { channelLabel } from '../../src/gateway/channels';
import { fenToDecimal, fenToWholeYuan } from '../../src/gateway/amount';

export interface PaymentRow {
  mrn: string;
  status?: PaymentView['status'];
  amountFen?: number;
  paidAmountFen?: number | null;
  channelId?: number;
  mode?: 'api' | 'page';
  returnUrl?: string;
  notifyUrl?: string | null;
  createdAt?: string;
  finishedAt?: string | null;
  needsAttention?: boolean;
  attentionReasons?: string[];
  amountMismatch?: boolean;
  late?: boolean;
  lastPlatformAnswer?: string | null;
  notification?: OrderRecord['notification'];
  version?: number;
}

/** The POST /v1/payments body the row's order was created with. */
export function paymentBody(row: PaymentRow): Record<string, unknown> {
  return {
    mrn: row.mrn,
    amount: fenToDecimal(row.amountFen ?? 10_050),
    channelId: row.channelId ?? 2,
    returnUrl: row.returnUrl ?? 'https://shop.example.com/paid',
    ...(row.notifyUrl === null || row.notifyUrl === undefined ? {} : { notifyUrl: row.notifyUrl }),
    ...(row.mode === undefined ? {} : { mode: row.mode }),
  };
}

export function paymentRecord(row: PaymentRow): OrderRecord {
  const amountFen = row.amountFen ?? 10_050;
  const channelId = row.channelId ?? 2;
  const mode = row.mode ?? 'api';
  const status = row.status ?? 'succeeded';
  const createdAt = row.createdAt ?? new Date().toISOString();
  const finishedAt = row.finishedAt === undefined ? (status === 'pending' ? null : createdAt) : row.finishedAt;
  const paidAmountFen = row.paidAmountFen === undefined ? (status === 'succeeded' ? amountFen : null) : row.paidAmountFen;
  const notification = row.notification ?? { url: row.notifyUrl ?? null, deliveries: [] };
  const returnUrl = row.returnUrl ?? 'https://shop.example.com/paid';
  const hash = requestHash('payment', [row.mrn, amountFen, channelId, returnUrl, row.notifyUrl ?? null, mode, null]);
  const timeline = [{ at: createdAt, event: 'order received' }];
  const view: PaymentView = {
    mrn: row.mrn,
    status,
    amount: fenToDecimal(amountFen),
    paidAmount: paidAmountFen === null ? null : fenToDecimal(paidAmountFen),
    paidAmountKnown: paidAmountFen !== null,
    amountMismatch: row.amountMismatch ?? false,
    channelId,
    channelName: channelLabel(channelId),
    mode,
    payUrl: mode === 'api' ? `https://gw.example.com/api/Pay?id=${row.mrn}` : null,
    late: row.late ?? false,
    needsAttention: row.needsAttention ?? false,
    attentionReasons: row.attentionReasons ?? [],
    createdAt,
    expiresAt: new Date(Date.parse(createdAt) + 2 * 3_600_000).toISOString(),
    finishedAt,
    error: null,
    notification,
    timeline,
  };
  return {
    kind: 'payment',
    mrn: row.mrn,
    version: row.version ?? 3,
    status,
    amountFen,
    paidAmountFen,
    channelId,
    requestHash: hash,
    needsAttention: view.needsAttention,
    attentionReasons: view.attentionReasons,
    amountMismatch: view.amountMismatch,
    createdAt,
    finishedAt,
    lastPlatformAnswer: row.lastPlatformAnswer ?? null,
    notification,
    account: null,
    timeline,
    view,
  };
}

export interface PayoutRow {
  mrn: string;
  status?: PayoutView['status'];
  amountFen?: number;
  bankName?: string;
  accountName?: string;
  accountNumber?: string;
  notifyUrl?: string | null;
  createdAt?: string;
  finishedAt?: string | null;
  needsAttention?: boolean;
  attentionReasons?: string[];
  lastPlatformAnswer?: string | null;
  notification?: OrderRecord['notification'];
  version?: number;
}

const ACCOUNT = { bankName: '中国工商银行', accountName: '张三丰', accountNumber: '6222021234567890123' };

/** The POST /v1/payouts body the row's order was created with (the account in clear, as the merchant sends it). */
export function payoutBody(row: PayoutRow): Record<string, unknown> {
  return {
    mrn: row.mrn,
    amount: Number(fenToWholeYuan(row.amountFen ?? 50_000)),
    bankName: row.bankName ?? ACCOUNT.bankName,
    accountName: row.accountName ?? ACCOUNT.accountName,
    accountNumber: row.accountNumber ?? ACCOUNT.accountNumber,
    ...(row.notifyUrl === null || row.notifyUrl === undefined ? {} : { notifyUrl: row.notifyUrl }),
  };
}

export function payoutRecord(row: PayoutRow): OrderRecord {
  const amountFen = row.amountFen ?? 50_000;
  const status = row.status ?? 'succeeded';
  const createdAt = row.createdAt ?? new Date().toISOString();
  const finishedAt = row.finishedAt === undefined ? (status === 'pending' ? null : createdAt) : row.finishedAt;
  const bankName = row.bankName ?? ACCOUNT.bankName;
  const accountName = row.accountName ?? ACCOUNT.accountName;
  const accountNumber = row.accountNumber ?? ACCOUNT.accountNumber;
  const notification = row.notification ?? { url: row.notifyUrl ?? null, deliveries: [] };
  const hash = requestHash('payout', [row.mrn, amountFen, bankName, accountName, accountNumber, row.notifyUrl ?? null]);
  const timeline = [{ at: createdAt, event: 'order received' }];
  const masked = { bankName, accountName: maskName(accountName), accountNumber: maskAccountNumber(accountNumber) };
  const view: PayoutView = {
    mrn: row.mrn,
    status,
    amount: fenToWholeYuan(amountFen),
    ...masked,
    needsAttention: row.needsAttention ?? false,
    attentionReasons: row.attentionReasons ?? [],
    amountMismatch: false,
    createdAt,
    finishedAt,
    error: null,
    resolution: null,
    lastPlatformAnswer: row.lastPlatformAnswer ?? null,
    nextPollAt: null,
    notification,
    timeline,
  };
  return {
    kind: 'payout',
    mrn: row.mrn,
    version: row.version ?? 3,
    status,
    amountFen,
    paidAmountFen: null,
    channelId: null,
    requestHash: hash,
    needsAttention: view.needsAttention,
    attentionReasons: view.attentionReasons,
    amountMismatch: false,
    createdAt,
    finishedAt,
    lastPlatformAnswer: row.lastPlatformAnswer ?? null,
    notification,
    account: masked,
    timeline,
    view,
  };
}

/** A window of creation times no other test file writes into: a random minute in 2001-2020. */
export function privateWindow(): { from: Date; at(offsetMs: number): string; to: Date } {
  const from = new Date(Date.UTC(2001, 0, 1) + Math.floor(Math.random() * 20 * 365 * 24 * 60) * 60_000);
  return { from, at: (offsetMs) => new Date(from.getTime() + offsetMs).toISOString(), to: new Date(from.getTime() + 60_000) };
}
