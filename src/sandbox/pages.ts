import { channelLabel, renderPaymentAmount, renderPayoutAmount } from '../gateway';
import { html, page, type SafeHtml } from '../http/html';
import type { Order, PaymentOrder, PayoutOrder } from './orders';
import type { Refusal } from './platform-requests';
import { maskAccountNumber } from '../contracts/masking';
import { payUrlOf } from './sandbox';

const yuan = (text: string): string => `¥${text}`;
const time = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

export function cashierActionPath(order: PaymentOrder): string {
  return `/cashier/${encodeURIComponent(order.id)}`;
}

export function operatorActionPath(order: PayoutOrder): string {
  return `/operator/payouts/${encodeURIComponent(order.id)}`;
}

function paymentFacts(order: PaymentOrder): SafeHtml {
  return html`<dl>
  <dt>Amount</dt><dd class="amount" data-field="amount">${yuan(renderPaymentAmount(order.amountFen))}</dd>
  <dt>Channel</dt><dd data-field="channel">${channelLabel(order.channelId)}</dd>
  <dt>Order (mrn)</dt><dd data-field="mrn">${order.mrn}</dd>
  <dt>Merchant</dt><dd>${order.appKey}</dd>
  ${order.payer === undefined ? null : html`<dt>Payer</dt><dd>${order.payer}</dd>`}
</dl>`;
}

/**
 * The cashier a payer sees at payUrl: the order, an amount (pre-filled with the order amount;
 * change it to pay a different sum, as some channels do) and the two outcomes.
 */
export function cashierPage(order: PaymentOrder, notice?: { error?: string; amount?: string; kept?: boolean }): string {
  const amount = notice?.amount ?? renderPaymentAmount(order.amountFen);
  return page(
    'Cashier',
    html`<h1>Sandbox cashier</h1>
<div class="card">
${paymentFacts(order)}
</div>
${notice?.error === undefined ? null : html`<p class="error" role="alert">${notice.error}</p>`}
${notice?.kept === true ? html`<p class="notice">A sandbox scenario keeps this order pending: the buttons below will be refused.</p>` : null}
<div class="card">
<form method="post" action="${cashierActionPath(order)}">
  <label for="amount">Amount to pay (yuan)</label>
  <input id="amount" name="amount" value="${amount}" inputmode="decimal" autocomplete="off" required pattern="(0|[1-9][0-9]{0,12})(\\.[0-9]{1,2})?">
  <div>
    <button class="pay" type="submit" name="action" value="pay">Pay</button>
    <button class="fail" type="submit" name="action" value="fail" formnovalidate>Fail</button>
  </div>
</form>
</div>`,
  );
}

/** What the payer sees once the order is settled. */
export function paymentResultPage(order: PaymentOrder): string {
  let outcome: SafeHtml;
  if (order.status === 'paid') {
    const paid = order.paidFen ?? order.amountFen;
    const differs = paid !== order.amountFen;
    outcome = html`<p class="ok" data-status="paid">Paid ${yuan(renderPaymentAmount(paid))}${
      differs ? html` (the order asked for ${yuan(renderPaymentAmount(order.amountFen))})` : null
    }. The merchant is being notified.</p>`;
  } else if (order.status === 'failed') {
    outcome = html`<p class="error" data-status="failed">The payment failed.</p>`;
  } else {
    outcome = html`<p class="notice" data-status="pending">Waiting for the payment.</p>`;
  }
  return page(
    'Payment',
    html`<h1>Sandbox cashier</h1>
<div class="card">
${paymentFacts(order)}
</div>
${outcome}
<p><a href="${order.returnUrl}" data-link="return">Return to the merchant</a></p>`,
  );
}

/** Page mode's answer when the platform refuses the posted form. */
export function refusalPage(refusal: Refusal): string {
  return page(
    'Payment refused',
    html`<h1>The payment could not be started</h1>
<p class="error" data-error="${refusal.code}">${refusal.code}: ${refusal.message}</p>
<p>Go back to the merchant's site and try again.</p>`,
  );
}

export function errorPage(title: string, message: string): string {
  return page(title, html`<h1>${title}</h1><p class="error">${message}</p><p><a href="/">Sandbox home</a></p>`);
}

function payoutRow(order: PayoutOrder, withActions: boolean): SafeHtml {
  return html`<tr data-mrn="${order.mrn}">
  <td>${order.mrn}</td><td>${order.appKey}</td><td>${yuan(renderPayoutAmount(order.amountFen))}</td>
  <td>${order.bankName}</td><td>${order.accountName}</td><td>${maskAccountNumber(order.accountNumber)}</td><td>${time(order.createdAt)}</td>
  <td>${
    withActions
      ? html`<form method="post" action="${operatorActionPath(order)}"><button class="pay" type="submit" name="action" value="complete">Complete</button><button class="fail" type="submit" name="action" value="fail">Fail</button></form>`
      : order.status === 'paid'
        ? 'paid out'
        : order.status
  }</td>
</tr>`;
}

/** The payout operator: pending payouts to complete or fail, and the latest settled ones. */
export function operatorPage(pending: PayoutOrder[], settled: PayoutOrder[], notice?: { error?: string; done?: string }): string {
  const head = html`<tr><th>mrn</th><th>merchant</th><th>amount</th><th>bank</th><th>account name</th><th>account</th><th>created</th><th></th></tr>`;
  return page(
    'Payout operator',
    html`<h1>Payout operator</h1>
${notice?.error === undefined ? null : html`<p class="error" role="alert">${notice.error}</p>`}
${notice?.done === undefined ? null : html`<p class="ok">${notice.done}</p>`}
<h2>Pending payouts (${pending.length})</h2>
${pending.length === 0 ? html`<p>No payout is waiting.</p>` : html`<table>${head}${pending.map((o) => payoutRow(o, true))}</table>`}
<h2>Recently settled</h2>
${settled.length === 0 ? html`<p>None yet.</p>` : html`<table>${head}${settled.map((o) => payoutRow(o, false))}</table>`}
<p><a href="/">Sandbox home</a></p>`,
  );
}

/** The sandbox's front page: pay-ins waiting for a payer, with their cashier links. */
export function homePage(pendingPayments: PaymentOrder[], counts: Record<Order['status'], number>): string {
  return page(
    'Home',
    html`<h1>Sandbox payment platform</h1>
<p>Orders: ${counts.pending} pending, ${counts.paid} paid, ${counts.failed} failed. Payouts are settled on the <a href="/operator">payout operator page</a>.</p>
<h2>Pay-ins waiting for the payer (${pendingPayments.length})</h2>
${
  pendingPayments.length === 0
    ? html`<p>None. Create one through POST /api/Pay/Create or page mode (POST /api/Pay).</p>`
    : html`<table><tr><th>mrn</th><th>merchant</th><th>amount</th><th>channel</th><th></th></tr>${pendingPayments.map(
        (o) =>
          html`<tr><td>${o.mrn}</td><td>${o.appKey}</td><td>${yuan(renderPaymentAmount(o.amountFen))}</td><td>${channelLabel(o.channelId)}</td><td><a href="${payUrlOf(o)}">Open cashier</a></td></tr>`,
      )}</table>`
}
<p>Tests and demos steer the sandbox through its control API under <code>/sandbox/</code>.</p>`,
  );
}
