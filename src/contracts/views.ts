import { Type } from '@sinclair/typebox';
import { literalUnion, Nullable } from './typebox';
import { RESOLVE_OUTCOMES } from './operator';
import { PAYMENT_STATUSES, PAYOUT_STATUSES } from './status';

export { OPERATOR_REASON, RESOLVE_OUTCOMES } from './operator';

/**
 * The order views as the API answers them (GET, creates, operator actions) and as the workflows'
 * `status` queries build them: TypeBox schemas, from which the view types are derived
 * (`Static<typeof …>` in payment.ts and payout.ts, imported as types only: workflow bundles never
 * load TypeBox). A field is added here once and is then in the type, the answer and /docs alike.
 */

export const TimelineEntrySchema = Type.Object({
  at: Type.String(),
  event: Type.String(),
  detail: Type.Optional(Type.String()),
  count: Type.Optional(Type.Integer()),
  lastAt: Type.Optional(Type.String()),
});

const NotificationSchema = Type.Object({
  url: Nullable(Type.String()),
  deliveries: Type.Array(
    Type.Object({
      eventId: Type.String(),
      type: Type.String(),
      status: literalUnion(['pending', 'delivered', 'gave_up'] as const),
      attempts: Type.Integer(),
      firstAttemptAt: Type.Optional(Type.String()),
      lastAttemptAt: Type.Optional(Type.String()),
      lastError: Type.Optional(Type.String()),
      deliveredAt: Type.Optional(Type.String()),
      nextAttemptAt: Type.Optional(Type.String()),
    }),
  ),
});

export const PaymentViewSchema = Type.Object({
  mrn: Type.String(),
  status: literalUnion(PAYMENT_STATUSES),
  amount: Type.String(),
  paidAmount: Nullable(Type.String()),
  /** False when the platform said "paid" but never re-sent the callback that carries the amount. */
  paidAmountKnown: Type.Boolean(),
  amountMismatch: Type.Boolean(),
  channelId: Type.Integer(),
  channelName: Type.String(),
  mode: literalUnion(['api', 'page'] as const),
  payUrl: Nullable(Type.String()),
  /** Page mode, added by the API: the signed, expiring checkout link and (on create) the signed form. */
  checkoutUrl: Type.Optional(Type.String()),
  form: Type.Optional(Type.Object({ action: Type.String(), fields: Type.Record(Type.String(), Type.String()) })),
  late: Type.Boolean(),
  needsAttention: Type.Boolean(),
  attentionReasons: Type.Array(Type.String()),
  createdAt: Type.String(),
  expiresAt: Type.String(),
  finishedAt: Nullable(Type.String()),
  error: Nullable(Type.Object({ message: Type.String() })),
  notification: NotificationSchema,
  timeline: Type.Array(TimelineEntrySchema),
});

export const PayoutViewSchema = Type.Object({
  mrn: Type.String(),
  status: literalUnion(PAYOUT_STATUSES),
  amount: Type.String(),
  bankName: Type.String(),
  accountName: Type.String({ description: 'masked' }),
  accountNumber: Type.String({ description: 'masked: ****0123' }),
  needsAttention: Type.Boolean(),
  attentionReasons: Type.Array(Type.String()),
  amountMismatch: Type.Boolean(),
  createdAt: Type.String(),
  finishedAt: Nullable(Type.String()),
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
  resolution: Nullable(Type.Object({ outcome: literalUnion(RESOLVE_OUTCOMES), reason: Type.String(), at: Type.String() })),
  lastPlatformAnswer: Nullable(Type.String()),
  nextPollAt: Nullable(Type.String()),
  notification: NotificationSchema,
  timeline: Type.Array(TimelineEntrySchema),
});
