import { Type } from '@sinclair/typebox';
import { CHANNEL_IDS } from '../gateway/channels';
import { PAYMENT_STATUSES, PAYOUT_STATUSES } from '../contracts/status';
import { OPERATOR_REASON, RESOLVE_OUTCOMES } from '../contracts/views';
import { literalUnion, Nullable } from '../contracts/typebox';
import { CURSOR_MAX_LENGTH, CURSOR_PATTERN } from './orders/list-cursor';
import { MRN_PATTERN } from './orders/mrn';

/**
 * The API's contract: request and response schemas (TypeBox = JSON Schema), validated on every
 * route and published as OpenAPI at /docs.
 */

export const Mrn = Type.String({ pattern: MRN_PATTERN, description: 'merchant reference number: 1-64 of A-Z a-z 0-9 _ -' });
const HttpUrl = Type.String({ minLength: 1, maxLength: 2048, description: 'absolute http(s) URL' });
const Reason = Type.String({ ...OPERATOR_REASON, description: 'why: recorded in the order history' });

export const ErrorBody = Type.Object(
  { error: Type.String({ description: 'stable error code' }), message: Type.String() },
  { description: 'what is wrong' },
);

/** 503 of an order create: the order may or may not have started; the same request with this mrn is safe to retry. */
export const CreateUnavailableBody = Type.Object(
  {
    error: Type.Literal('unavailable'),
    message: Type.String(),
    mrn: Type.String({ description: 'retry with this mrn (and the same body)' }),
  },
  { description: 'the workflow service cannot be reached: retry with the same mrn' },
);

export const MrnParams = Type.Object({ mrn: Mrn });

export const CreatePaymentBody = Type.Object(
  {
    mrn: Type.Optional(Mrn),
    amount: Type.Union([Type.String({ maxLength: 20 }), Type.Number()], { description: 'yuan, > 0, at most 2 decimals: "100.00"' }),
    channelId: Type.Integer({ description: `platform channel: ${CHANNEL_IDS.join(', ')}` }),
    returnUrl: HttpUrl,
    payer: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "payer's real name (personal data)" })),
    notifyUrl: Type.Optional(HttpUrl),
    mode: Type.Optional(Type.Union([Type.Literal('api'), Type.Literal('page')], { description: 'api (default): WebAPI mode; page: signed form' })),
  },
  { additionalProperties: false },
);

export const CreatePayoutBody = Type.Object(
  {
    // Required: the caller's idempotency key. A retry after a timeout or a 503 must reuse it, or the platform pays twice.
    mrn: Mrn,
    amount: Type.Union([Type.Number(), Type.String({ maxLength: 20 })], { description: 'whole yuan, > 0: 500' }),
    bankName: Type.String({ minLength: 1, maxLength: 64 }),
    accountName: Type.String({ minLength: 1, maxLength: 64, description: 'personal data: masked in every answer' }),
    accountNumber: Type.String({ pattern: '^[0-9]{6,32}$', description: 'digits only; masked in every answer' }),
    notifyUrl: Type.Optional(HttpUrl),
  },
  { additionalProperties: false },
);

export const RecheckBody = Type.Object({ reason: Reason }, { additionalProperties: false });
export const ResolveBody = Type.Object(
  { outcome: literalUnion(RESOLVE_OUTCOMES), reason: Reason },
  { additionalProperties: false },
);

// The order views: defined once in the contracts, where the workflows' view types derive from them.
export { PaymentViewSchema, PayoutViewSchema } from '../contracts/views';

export const Creating = Type.Object({ mrn: Type.String(), status: Type.Literal('creating') });
export const PaymentRejected = Type.Object({
  mrn: Type.String(),
  status: Type.Literal('rejected'),
  error: Type.Object({ message: Type.String() }),
});
export const PayoutRejected = Type.Object({
  mrn: Type.String(),
  status: Type.Literal('rejected'),
  error: Type.Object({ code: Type.String(), message: Type.String() }),
});

const Bool = Type.Union([Type.Literal('true'), Type.Literal('false')]);
const Instant = Type.String({ maxLength: 40, description: 'ISO 8601 date-time, e.g. 2026-11-25T00:00:00Z' });

/** Filters of GET /v1/payments and /v1/payouts (query strings are text: converted in normalize). */
export const listQuery = (statuses: readonly string[], withChannel: boolean) =>
  Type.Object(
    {
      status: Type.Optional(literalUnion(statuses)),
      ...(withChannel ? { channelId: Type.Optional(Type.String({ pattern: '^[0-9]{1,2}$' })) } : {}),
      needsAttention: Type.Optional(Bool),
      amountMismatch: Type.Optional(Bool),
      createdFrom: Type.Optional(Instant),
      createdTo: Type.Optional(Instant),
      pageSize: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$', description: '1-100, default 20' })),
      cursor: Type.Optional(Type.String({ minLength: 1, maxLength: CURSOR_MAX_LENGTH, pattern: CURSOR_PATTERN, description: 'nextCursor of the previous page, unchanged' })),
    },
    { additionalProperties: false },
  );

export const PaymentListQuery = listQuery(PAYMENT_STATUSES, true);
export const PayoutListQuery = listQuery(PAYOUT_STATUSES, false);

const ListItem = Type.Object({
  mrn: Type.String(),
  status: Type.String(),
  amount: Type.String(),
  channelId: Type.Optional(Type.Integer()),
  amountMismatch: Type.Boolean(),
  needsAttention: Type.Boolean(),
  late: Type.Optional(Type.Boolean()),
  createdAt: Type.String(),
  closedAt: Nullable(Type.String()),
});

export const OrderPageSchema = Type.Object({ items: Type.Array(ListItem), nextCursor: Nullable(Type.String()) });

/** Filters of GET /v1/exports/payments.csv and payouts.csv. */
export const exportQuery = (statuses: readonly string[]) =>
  Type.Object(
    {
      createdFrom: Type.Optional(Type.String({ maxLength: 40, description: 'orders created at or after this ISO 8601 date-time, e.g. 2026-11-01T00:00:00+08:00' })),
      createdTo: Type.Optional(Type.String({ maxLength: 40, description: 'orders created before this ISO 8601 date-time (after createdFrom)' })),
      status: Type.Optional(literalUnion(statuses)),
    },
    { additionalProperties: false },
  );

export const PaymentExportQuery = exportQuery(PAYMENT_STATUSES);
export const PayoutExportQuery = exportQuery(PAYOUT_STATUSES);

/** A CSV export's 200: the file itself (streamed), described for /docs. */
export const CsvFile = (columns: readonly string[]) => ({
  description: `UTF-8 with a byte-order mark, CRLF line ends, RFC 4180 quoting; a header row, then one line per order, newest first. Columns: ${columns.join(', ')}`,
  content: { 'text/csv': { schema: Type.String() } },
});
