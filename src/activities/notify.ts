import { Agent, request, type Dispatcher } from 'undici';
import { publicOnlyLookup, RefusedDestinationError, refusedHost, type ResolveAll } from '../notify/destination';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signNotification } from '../notify/signature';
import type { DeliveryAttempt, NotifyArgs } from '../contracts/activities';

export interface NotifyDeps {
  notifySecret: string;
  timeoutMs: number;
  /** NOTIFY_ALLOW_PRIVATE: deliver to loopback, private and link-local addresses too (local setups). */
  allowPrivate: boolean;
  /** How host names are resolved (the system resolver by default; tests simulate DNS answers). */
  resolveAll?: ResolveAll;
}

/** One delivery attempt of a merchant event; the workflow decides when to retry. */
export function createNotifyActivities({ notifySecret, timeoutMs, allowPrivate, resolveAll }: NotifyDeps) {
  // The address checked is the address connected to: the check runs inside the connection's own lookup.
  const dispatcher: Dispatcher | undefined = allowPrivate ? undefined : new Agent({ connect: { lookup: publicOnlyLookup(resolveAll) } });

  async function notifyMerchant({ url, event }: NotifyArgs): Promise<DeliveryAttempt> {
    const body = JSON.stringify(event);
    try {
      // An IP-literal host is connected to without a lookup: checked here instead.
      const refused = allowPrivate ? undefined : refusedHost(new URL(url));
      if (refused !== undefined) throw new RefusedDestinationError(refused);
      const response = await request(url, {
        method: 'POST',
        ...(dispatcher === undefined ? {} : { dispatcher }),
        headers: {
          'content-type': 'application/json',
          [EVENT_ID_HEADER]: event.id,
          [SIGNATURE_HEADER]: signNotification(body, notifySecret, Math.floor(Date.now() / 1000)),
        },
        body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body.dump();
      if (response.statusCode >= 200 && response.statusCode < 300) return { ok: true, httpStatus: response.statusCode };
      return { ok: false, error: `HTTP ${response.statusCode}` };
    } catch (error) {
      if (error instanceof RefusedDestinationError) return { ok: false, error: error.message };
      const name = error instanceof Error ? error.name : '';
      if (name === 'TimeoutError' || name === 'AbortError') return { ok: false, error: 'timed out' };
      const code = (error as { code?: unknown }).code;
      return { ok: false, error: typeof code === 'string' ? code : error instanceof Error ? error.message : String(error) };
    }
  }
  return { notifyMerchant };
}
