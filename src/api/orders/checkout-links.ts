import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Page mode: a link the payer's browser can open without our bearer token, for one order and
 * only until the order expires. The HMAC key is derived from the API token, so rotating the
 * token revokes every outstanding link.
 */
export class CheckoutLinks {
  private readonly key: Buffer;

  constructor(
    apiToken: string,
    private readonly publicUrl: string,
  ) {
    this.key = createHmac('sha256', apiToken).update('checkout-link-v1').digest();
  }

  url(mrn: string, expiresAt: Date): string {
    const expires = Math.floor(expiresAt.getTime() / 1000);
    return `${this.publicUrl}/checkout/payments/${encodeURIComponent(mrn)}?expires=${expires}&sig=${this.signature(mrn, expires)}`;
  }

  check(mrn: string, expires: number, sig: string, now: Date = new Date()): { ok: true } | { ok: false; reason: string } {
    const expected = Buffer.from(this.signature(mrn, expires), 'hex');
    const given = /^[0-9a-f]{64}$/.test(sig) ? Buffer.from(sig, 'hex') : Buffer.alloc(0);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid link' };
    if (now.getTime() / 1000 > expires) return { ok: false, reason: 'link expired' };
    return { ok: true };
  }

  private signature(mrn: string, expires: number): string {
    return createHmac('sha256', this.key).update(`${mrn}.${expires}`).digest('hex');
  }
}
