import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { html } from '../../http/html';
import type { TypeBoxProvider } from '../../http/typebox';
import { forbidden, sendPageText } from '../errors';
import type { CheckoutLinks } from '../orders/checkout-links';
import type { PaymentOrders } from '../orders/payments';
import { MrnParams } from '../schemas';

/**
 * Page mode: the payer's browser opens the signed, expiring checkout link and this page posts the
 * order's signed form to the platform's POST /api/Pay. No bearer token: the link is the permission.
 */
export const checkoutRoutes: FastifyPluginAsync<{ orders: PaymentOrders; links: CheckoutLinks }> = async (parent, { orders, links }) => {
  const app = parent.withTypeProvider<TypeBoxProvider>();
  app.get(
    '/checkout/payments/:mrn',
    {
      schema: {
        hide: true,
        params: MrnParams,
        querystring: Type.Object({ expires: Type.String({ pattern: '^[0-9]{1,12}$' }), sig: Type.String({ maxLength: 128 }) }),
      },
    },
    async (request, reply) => {
      const { mrn } = request.params;
      const check = links.check(mrn, Number(request.query.expires), request.query.sig);
      if (!check.ok) return sendPageText(reply, forbidden(`checkout ${check.reason}`));
      const form = await orders.pageForm(mrn);
      const page = html`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>Redirecting to payment…</title></head>
<body onload="document.forms[0].submit()">
<form method="post" action="${form.action}" accept-charset="UTF-8">
${Object.entries(form.fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<noscript><button type="submit">Continue to payment</button></noscript>
</form></body></html>`;
      return reply
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .type('text/html; charset=utf-8')
        .send(page.toString());
    },
  );
};
