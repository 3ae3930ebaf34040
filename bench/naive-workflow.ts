/**
 * Scenario B's workflow: the order as a newcomer to Temporal would write it. A regular activity
 * creates it at the platform, a query exposes the payUrl, a signal carries the callback.
 * No timeouts, polling, notifications or search attributes: the lower bound of the happy path.
 */
import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import {
  naivePaid,
  naivePayoutAccepted,
  naivePayoutPaid,
  naivePayUrl,
  type NaiveActivities,
  type NaiveOrderInput,
  type NaiveOrderResult,
  type NaivePayoutActivities,
  type NaivePayoutInput,
  type NaivePayoutResult,
} from './naive-definitions';

const { createPayment, createPayout } = proxyActivities<NaiveActivities & NaivePayoutActivities>({
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

/**
 * The naive payout: the same shape. (Retrying the create blindly after a timeout is exactly what a
 * newcomer would do and what our payout workflow does not; on the bench's healthy sandbox it never
 * happens, so the comparison is of the happy path's cost only.)
 */
export async function naivePayoutWorkflow(input: NaivePayoutInput): Promise<NaivePayoutResult> {
  let accepted = false;
  let paidAmountFen: number | null = null;
  setHandler(naivePayoutAccepted, () => accepted);
  setHandler(naivePayoutPaid, ({ amountFen }) => {
    paidAmountFen ??= amountFen;
  });

  const created = await createPayout(input);
  if (created.kind === 'refused') return { mrn: input.mrn, status: 'rejected', paidAmountFen: null };
  accepted = true;

  await condition(() => paidAmountFen !== null);
  return { mrn: input.mrn, status: 'succeeded', paidAmountFen };
}
