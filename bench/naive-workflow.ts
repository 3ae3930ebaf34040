/**
 * Scenario B's workflow: the order as a newcomer to Temporal would write it. A regular activity
 * creates it at the platform, a query exposes the payUrl, a signal carries the callback.
 * No timeouts, polling, notifications or search attributes: the lower bound of the happy path.
 */
import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import { naivePaid, naivePayUrl, type NaiveActivities, type NaiveOrderInput, type NaiveOrderResult } from './naive-definitions';

const { createPayment } = proxyActivities<NaiveActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

export async function naivePaymentWorkflow(input: NaiveOrderInput): Promise<NaiveOrderResult> {
  let payUrl: string | null = null;
  let paidAmountFen: number | null = null;
  setHandler(naivePayUrl, () => payUrl);
  setHandler(naivePaid, ({ amountFen }) => {
    paidAmountFen ??= amountFen;
  });

  const created = await createPayment(input);
  if (created.kind === 'refused') return { mrn: input.mrn, status: 'rejected', payUrl: null, paidAmountFen: null };
  payUrl = created.payUrl;

  await condition(() => paidAmountFen !== null);
  return { mrn: input.mrn, status: 'succeeded', payUrl, paidAmountFen };
}
