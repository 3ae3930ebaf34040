import { request, type Dispatcher } from 'undici';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signNotification } from '../notify/signature';
import type { DeliveryAttempt, NotifyArgs } from './types';

export interface NotifyDeps {
  notifySecret: string;
  timeoutMs: number;
  dispatcher?: Dispatcher;
}

/** One delivery attempt of a merchant event; the workflow decides when to retry. */
export function createNotifyActivities({ notifySecret, timeoutMs, dispatcher }: NotifyDeps) {
  async function notifyMerchant({ url, event }: NotifyArgs): Promise<DeliveryAttempt> {
    const body = JSON.stringify(event);
    try {
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
      const name = error instanceof Error ? error.name : '';
      if (name === 'TimeoutError' || name === 'AbortError') return { ok: false, error: 'timed out' };
      const code = (error as { code?: unknown }).code;
      return { ok: false, error: typeof code === 'string' ? code : error instanceof Error ? error.message : String(error) };
    }
  }
  return { notifyMerchant };
}
