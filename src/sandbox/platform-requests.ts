import { Type, type Static } from '@sinclair/typebox';
import { channelById, parseDecimal, parseWholeYuan, type Fen, type PayoutErrorCode } from '../gateway';
import { firstProblem } from '../http/typebox';

/**
 * What the platform accepts on its five endpoints, read strictly: these schemas are checked
 * without coercion, so a JSON number is never taken for a string (or back), and a signature is
 * always verified over the values as they were sent.
 */

/** The platform's error codes (src/gateway's wire types) other than success. */
export type RefusalCode = Exclude<PayoutErrorCode, 'success'>;
export interface Refusal {
  code: RefusalCode;
  message: string;
}

export const MAX_MRN_LENGTH = 64;
const Mrn = Type.String({ minLength: 1, maxLength: MAX_MRN_LENGTH });
const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength });
const Url = Text(2048);
const AppKey = Text(128);
const Sign = Type.String({ maxLength: 64 });
/** 13 digits of yuan: the largest amount src/gateway renders. */
const MAX_WHOLE_YUAN = 9_999_999_999_999;

export const PaymentCreateJsonSchema = Type.Object({
  amount: Type.String({ minLength: 1, maxLength: 32 }),
  appKey: AppKey,
  callbackUrl: Url,
  channelId: Type.Integer(),
  mrn: Mrn,
  returnUrl: Url,
  sign: Sign,
  payer: Type.Optional(Type.String({ maxLength: 128 })),
});

/** Page mode: the same fields as a UTF-8 form, where every value is text. */
export const PaymentCreateFormSchema = Type.Object({
  ...PaymentCreateJsonSchema.properties,
  channelId: Type.String({ minLength: 1, maxLength: 16 }),
});

export const PayoutCreateJsonSchema = Type.Object({
  accountName: Text(128),
  accountNumber: Text(64),
  /** Whole yuan, a JSON integer: 1.5, "500" and "abc" are all invalid_data. */
  amount: Type.Integer({ minimum: 1, maximum: MAX_WHOLE_YUAN }),
  appKey: AppKey,
  bankName: Text(128),
  callbackUrl: Url,
  mrn: Mrn,
  sign: Sign,
});

export const QuerySchema = Type.Object({
  appKey: AppKey,
  mrn: Mrn,
  sign: Sign,
  callback: Type.Optional(Type.String({ maxLength: 8 })),
});

// The answers' types are src/gateway's wire types; these schemas only serialize them.
const ErrorText = Type.String();
export const PaymentCreateAnswerSchema = Type.Object({
  success: Type.Boolean(),
  errorMsg: ErrorText,
  payUrl: Type.Optional(Type.String()),
});
export const PayoutCreateAnswerSchema = Type.Object({ error: Type.String(), errorMessage: ErrorText });
export const QueryAnswerSchema = Type.Object({
  error: Type.String(),
  errorMessage: Type.Optional(ErrorText),
  result: Type.Optional(Type.Object({ Mrn: Type.String(), status: Type.Integer() })),
});

/** A pay-in create as signed: every signed value is the string that was sent. */
export type PaymentCreateFields = {
  amount: string;
  appKey: string;
  callbackUrl: string;
  channelId: string;
  mrn: string;
  returnUrl: string;
  sign: string;
  payer?: string;
};

export type PayoutCreateFields = {
  accountName: string;
  accountNumber: string;
  amount: string;
  appKey: string;
  bankName: string;
  callbackUrl: string;
  mrn: string;
  sign: string;
};

export type QueryFields = {
  appKey: string;
  mrn: string;
  sign: string;
  callback: boolean;
};

export type Read<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

const invalid = (message: string): { ok: false; refusal: Refusal } => ({ ok: false, refusal: { code: 'invalid_data', message } });

export function readPaymentCreate(body: unknown, encoding: 'json' | 'form'): Read<{ fields: PaymentCreateFields; amountFen: Fen; channelId: number }> {
  const schema = encoding === 'json' ? PaymentCreateJsonSchema : PaymentCreateFormSchema;
  const problem = firstProblem(schema, body);
  if (problem !== undefined) return invalid(problem);
  const sent = body as Static<typeof PaymentCreateJsonSchema> | Static<typeof PaymentCreateFormSchema>;
  // A JSON integer takes part in the signature as its decimal digits, as our client signs it.
  const channelText = String(sent.channelId);
  const fields: PaymentCreateFields = {
    amount: sent.amount,
    appKey: sent.appKey,
    callbackUrl: sent.callbackUrl,
    channelId: channelText,
    mrn: sent.mrn,
    returnUrl: sent.returnUrl,
    sign: sent.sign,
  };
  if (sent.payer !== undefined) fields.payer = sent.payer;

  const amount = parseDecimal(fields.amount);
  if (!amount.ok) return invalid(`amount: ${amount.reason}`);
  if (amount.fen === 0) return invalid('amount: must be more than 0');
  if (!/^[1-9][0-9]{0,8}$/.test(channelText)) return invalid(`channelId: "${channelText}" is not a channel id`);
  const channelId = Number(channelText);
  if (channelById(channelId) === undefined) return invalid(`channelId: there is no channel ${channelId}`);
  for (const name of ['callbackUrl', 'returnUrl'] as const) {
    if (!isHttpUrl(fields[name])) return invalid(`${name}: not an absolute http(s) URL`);
  }
  return { ok: true, value: { fields, amountFen: amount.fen, channelId } };
}

export function readPayoutCreate(body: unknown): Read<{ fields: PayoutCreateFields; amountFen: Fen }> {
  const problem = firstProblem(PayoutCreateJsonSchema, body);
  if (problem !== undefined) return invalid(problem);
  const sent = body as Static<typeof PayoutCreateJsonSchema>;
  const fields: PayoutCreateFields = {
    accountName: sent.accountName,
    accountNumber: sent.accountNumber,
    amount: String(sent.amount),
    appKey: sent.appKey,
    bankName: sent.bankName,
    callbackUrl: sent.callbackUrl,
    mrn: sent.mrn,
    sign: sent.sign,
  };
  const amount = parseWholeYuan(fields.amount);
  if (!amount.ok) return invalid(`amount: ${amount.reason}`);
  if (!isHttpUrl(fields.callbackUrl)) return invalid('callbackUrl: not an absolute http(s) URL');
  return { ok: true, value: { fields, amountFen: amount.fen } };
}

export function readQuery(query: unknown): Read<QueryFields> {
  const problem = firstProblem(QuerySchema, query);
  if (problem !== undefined) return invalid(problem);
  const sent = query as Static<typeof QuerySchema>;
  // The document writes true/false; a .NET platform would read any letter case, so do we. Absent means false.
  const callback = (sent.callback ?? 'false').toLowerCase();
  if (callback !== 'true' && callback !== 'false') return invalid('callback: must be true or false');
  return { ok: true, value: { appKey: sent.appKey, mrn: sent.mrn, sign: sent.sign, callback: callback === 'true' } };
}

export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** mrn and appKey of a request, for the request log, as far as they can be read from a body that may be anything. */
export function identityOf(input: unknown): { mrn: string | null; appKey: string | null } {
  const pick = (name: string): string | null => {
    if (input === null || typeof input !== 'object') return null;
    const value = (input as Record<string, unknown>)[name];
    return typeof value === 'string' ? value.slice(0, 256) : null;
  };
  return { mrn: pick('mrn'), appKey: pick('appKey') };
}
