import { checkCallback, type MerchantCredentials } from '../gateway/callback';
import type { CallbackVerification, VerifyCallbackArgs } from '../contracts/activities';

/**
 * Verifies a callback signal's fields the way the API verified the callback: appKey and MD5
 * signature with the merchant's credentials from configuration (held here, never in arguments,
 * results or history), then the amounts. A workflow runs it as a local activity before it applies
 * a callback, so a signal sent by hand (Temporal UI, CLI) moves no money.
 */
export function createCallbackVerification(credentials: MerchantCredentials) {
  async function verifyPlatformCallback({ kind, fields }: VerifyCallbackArgs): Promise<CallbackVerification> {
    const check = checkCallback(kind, fields, credentials);
    return check.ok ? { ok: true, callback: check.callback } : { ok: false, reason: check.reason };
  }
  return { verifyPlatformCallback };
}
