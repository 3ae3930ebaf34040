import { Type, type Static } from '@sinclair/typebox';
import { PAYOUT_ERROR_CODES } from '../gateway/types';
import { literalUnion, Nullable } from '../contracts/typebox';

/**
 * The contract of the control and inspection API under /sandbox: every body, query and answer
 * is one of these schemas, checked by the routes and typed for SandboxControl by the same
 * definition.
 */

const Fen = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'integer fen (1 yuan = 100 fen)' });
const Ms = (maximum: number, description: string) => Type.Integer({ minimum: 0, maximum, description });
const HOUR_MS = 3_600_000;

export const KindSchema = Type.Union([Type.Literal('payment'), Type.Literal('payout')]);
export const StatusSchema = Type.Union([Type.Literal('pending'), Type.Literal('paid'), Type.Literal('failed')]);

export const ErrorAnswerSchema = Type.Object({
  error: Type.Union([Type.Literal('bad_request'), Type.Literal('not_found'), Type.Literal('conflict'), Type.Literal('internal_error')]),
  message: Type.String(),
});
export type ErrorAnswer = Static<typeof ErrorAnswerSchema>;

export const OkSchema = Type.Object({ ok: Type.Literal(true) });

// ---- orders ---------------------------------------------------------------------------------

const HistoryEntrySchema = Type.Object({
  at: Type.String({ description: 'ISO timestamp' }),
  event: Type.Union([Type.Literal('created'), Type.Literal('pay'), Type.Literal('fail')]),
  actor: Type.Union([
    Type.Literal('merchant'),
    Type.Literal('cashier'),
    Type.Literal('operator'),
    Type.Literal('control'),
    Type.Literal('auto-settle'),
  ]),
  amountFen: Type.Optional(Fen),
});

const orderBase = {
  id: Type.String({ description: "the platform's order id (payUrl's id)" }),
  appKey: Type.String(),
  mrn: Type.String(),
  status: StatusSchema,
  wireStatus: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)]),
  amountFen: Fen,
  /** The amount as the wire renders it: "100.00" for a pay-in, "500" for a payout. */
  amount: Type.String(),
  callbackUrl: Type.String(),
  createdAt: Type.String(),
  settledAt: Nullable(Type.String()),
  keepPending: Type.Boolean(),
  history: Type.Array(HistoryEntrySchema),
};

export const PaymentViewSchema = Type.Object({
  kind: Type.Literal('payment'),
  ...orderBase,
  paidFen: Nullable(Fen),
  channelId: Type.Integer(),
  channelName: Type.String(),
  returnUrl: Type.String(),
  payer: Nullable(Type.String()),
  mode: Type.Union([Type.Literal('api'), Type.Literal('page')]),
  payUrl: Type.String({ description: 'path and query, as the create answer gives it' }),
  cashierUrl: Type.String({ description: 'absolute address of the cashier page' }),
});
export type PaymentView = Static<typeof PaymentViewSchema>;

export const PayoutViewSchema = Type.Object({
  kind: Type.Literal('payout'),
  ...orderBase,
  bankName: Type.String(),
  accountName: Type.String(),
  accountNumberMasked: Type.String(),
});
export type PayoutView = Static<typeof PayoutViewSchema>;

export const OrderViewSchema = Type.Union([PaymentViewSchema, PayoutViewSchema]);
export type OrderView = Static<typeof OrderViewSchema>;

export const OrdersQuerySchema = Type.Object(
  {
    kind: Type.Optional(KindSchema),
    mrn: Type.Optional(Type.String()),
    appKey: Type.Optional(Type.String()),
    status: Type.Optional(StatusSchema),
  },
  { additionalProperties: false },
);
export type OrdersQuery = Static<typeof OrdersQuerySchema>;

export const OrderParamsSchema = Type.Object({ mrn: Type.String({ minLength: 1 }) });
export const AppKeyQuerySchema = Type.Object({ appKey: Type.Optional(Type.String()) }, { additionalProperties: false });

export const SettleBodySchema = Type.Object(
  {
    status: Type.Union([Type.Literal('paid'), Type.Literal('failed')]),
    amountFen: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 999_999_999_999_999, description: 'pay-ins only: the sum the payer paid (default: the order amount)' }),
    ),
  },
  { additionalProperties: false },
);
export type SettleBody = Static<typeof SettleBodySchema>;

export const KeepPendingBodySchema = Type.Object({ keepPending: Type.Boolean() }, { additionalProperties: false });
export const KeepPendingAnswerSchema = Type.Object({ kind: KindSchema, mrn: Type.String(), keepPending: Type.Boolean() });
export type KeepPendingAnswer = Static<typeof KeepPendingAnswerSchema>;

/**
 * What the query endpoint answers for one order instead of the truth (a reconciliation test): a
 * status 0|1|2, or "not_found"; null clears it. Nothing else changes: no settlement, no callback.
 */
export const ContradictionValueSchema = Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2), Type.Literal('not_found')]);
export type ContradictionValue = Static<typeof ContradictionValueSchema>;
export const ContradictionBodySchema = Type.Object({ answer: Type.Union([ContradictionValueSchema, Type.Null()]) }, { additionalProperties: false });
export const ContradictionAnswerSchema = Type.Object({ kind: KindSchema, mrn: Type.String(), answer: Type.Union([ContradictionValueSchema, Type.Null()]) });
export type ContradictionAnswer = Static<typeof ContradictionAnswerSchema>;

// ---- callbacks ------------------------------------------------------------------------------

export const CallbackRuleSchema = Type.Object(
  {
    dropNext: Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'the next N deliveries are never sent' }),
    delayMs: Ms(24 * HOUR_MS, 'extra wait before the first attempt of each delivery'),
    duplicates: Type.Integer({ minimum: 0, maximum: 10, description: 'identical extra deliveries started alongside each one' }),
    wrongSignatureNext: Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'the next N attempts carry a wrong signature' }),
  },
  { additionalProperties: false },
);
export type CallbackRule = Static<typeof CallbackRuleSchema>;
export const CallbackRuleBodySchema = Type.Partial(CallbackRuleSchema, { additionalProperties: false });
export type CallbackRuleInput = Static<typeof CallbackRuleBodySchema>;

export const DeliveryReasonSchema = literalUnion(['settled', 'query', 'control', 'duplicate']);
export type DeliveryReason = Static<typeof DeliveryReasonSchema>;

export const DeliveryStateSchema = literalUnion(['scheduled', 'delivering', 'delivered', 'gave-up', 'dropped', 'cancelled']);
export type DeliveryState = Static<typeof DeliveryStateSchema>;

export const AttemptSchema = Type.Object({
  number: Type.Integer({ minimum: 1 }),
  at: Type.String(),
  wrongSignature: Type.Boolean(),
  statusCode: Nullable(Type.Integer()),
  /** The receiver's answer, cut to 200 characters. */
  body: Nullable(Type.String()),
  error: Nullable(Type.String()),
  delivered: Type.Boolean(),
  durationMs: Type.Integer({ minimum: 0 }),
});
export type Attempt = Static<typeof AttemptSchema>;

export const DeliveryViewSchema = Type.Object({
  id: Type.Integer(),
  kind: KindSchema,
  appKey: Type.String(),
  mrn: Type.String(),
  reason: DeliveryReasonSchema,
  url: Type.String(),
  /** The form fields sent (with the correct signature; an attempt's wrongSignature says when it was not). */
  fields: Type.Record(Type.String(), Type.String()),
  state: DeliveryStateSchema,
  createdAt: Type.String(),
  attempts: Type.Array(AttemptSchema),
});
export type DeliveryView = Static<typeof DeliveryViewSchema>;

export const InspectQuerySchema = Type.Object(
  { kind: Type.Optional(KindSchema), mrn: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
export type InspectQuery = Static<typeof InspectQuerySchema>;

// ---- create faults and auto-settle -----------------------------------------------------------

export const FaultModeSchema = Type.Union([Type.Literal('http500'), Type.Literal('timeout'), Type.Literal('late-answer')]);
export type FaultMode = Static<typeof FaultModeSchema>;
export const FaultKindSchema = Type.Union([Type.Literal('payment'), Type.Literal('payout'), Type.Literal('any')]);

export const CreateFaultBodySchema = Type.Object(
  {
    mode: FaultModeSchema,
    count: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'how many of the next create calls' }),
    kind: Type.Optional(FaultKindSchema),
    delayMs: Type.Optional(
      Ms(HOUR_MS, 'late-answer: how long the answer is held back (default 30s); timeout: how long the call hangs (default 120s)'),
    ),
  },
  { additionalProperties: false },
);
export type CreateFaultInput = Static<typeof CreateFaultBodySchema>;

export const CreateFaultSchema = Type.Object({
  mode: FaultModeSchema,
  kind: FaultKindSchema,
  remaining: Type.Integer({ minimum: 0 }),
  delayMs: Type.Integer({ minimum: 0 }),
});
export type CreateFault = Static<typeof CreateFaultSchema>;
export const FaultsAnswerSchema = Type.Object({ faults: Type.Array(CreateFaultSchema) });

export const AutoSettleBodySchema = Type.Object(
  {
    kind: FaultKindSchema,
    outcome: Type.Union([Type.Literal('paid'), Type.Literal('failed'), Type.Literal('off')]),
    afterMs: Type.Optional(Ms(24 * HOUR_MS, 'wait after create; 0 settles and calls back at once')),
  },
  { additionalProperties: false },
);
export type AutoSettleInput = Static<typeof AutoSettleBodySchema>;

export const AutoSettleRuleSchema = Type.Object({
  outcome: Type.Union([Type.Literal('paid'), Type.Literal('failed')]),
  afterMs: Type.Integer({ minimum: 0 }),
});
export type AutoSettleRule = Static<typeof AutoSettleRuleSchema>;
export const AutoSettleAnswerSchema = Type.Object({ payment: Nullable(AutoSettleRuleSchema), payout: Nullable(AutoSettleRuleSchema) });
export type AutoSettleAnswer = Static<typeof AutoSettleAnswerSchema>;

/**
 * The order of the payout create checks. The document does not say whether the platform checks the
 * mrn before the balance: with `balanceBeforeMrn`, a retried create of a payout that was created
 * (and spent the balance) answers insufficient_balance instead of mrn_duplication.
 */
export const PayoutChecksSchema = Type.Object({ balanceBeforeMrn: Type.Boolean() }, { additionalProperties: false });
export type PayoutChecks = Static<typeof PayoutChecksSchema>;

// ---- inspection -----------------------------------------------------------------------------

/** The platform's answer codes (src/gateway), or a fault that answered none. */
export const RequestOutcomeSchema = literalUnion([...PAYOUT_ERROR_CODES, 'http500', 'timeout']);
export type RequestOutcome = Static<typeof RequestOutcomeSchema>;

export const RequestRecordSchema = Type.Object({
  seq: Type.Integer(),
  at: Type.String(),
  kind: KindSchema,
  operation: Type.Union([Type.Literal('create'), Type.Literal('query')]),
  /** POST /api/Pay/Create, POST /api/Pay, ... */
  endpoint: Type.String(),
  mrn: Nullable(Type.String()),
  appKey: Nullable(Type.String()),
  outcome: RequestOutcomeSchema,
  message: Nullable(Type.String()),
  /** The HTTP status answered; null when the call was left hanging. */
  httpStatus: Nullable(Type.Integer()),
  orderCreated: Type.Boolean(),
  fault: Nullable(FaultModeSchema),
  /** Queries: the status answered and whether a callback was re-sent. */
  queryStatus: Nullable(Type.Integer()),
  callbackResent: Type.Boolean(),
});
export type RequestRecord = Static<typeof RequestRecordSchema>;

export const RequestsAnswerSchema = Type.Object({ requests: Type.Array(RequestRecordSchema) });
export const DeliveriesAnswerSchema = Type.Object({ deliveries: Type.Array(DeliveryViewSchema) });
export const OrdersAnswerSchema = Type.Object({ orders: Type.Array(OrderViewSchema) });

export const MerchantViewSchema = Type.Object({
  appKey: Type.String(),
  balanceFen: Fen,
  /** The balance in yuan with two decimals, for people. */
  balance: Type.String(),
});
export type MerchantView = Static<typeof MerchantViewSchema>;
export const MerchantsAnswerSchema = Type.Object({ merchants: Type.Array(MerchantViewSchema) });
