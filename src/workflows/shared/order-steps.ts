/**
 * Steps both order kinds take the same way: answering creation requests (Update-with-Start) and
 * waiting for the platform's callback before polling.
 */
import type { UpdateDefinition } from '@temporalio/common';
import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import { applies, PATCHES } from './patches';
import { REQUEST_CONFLICT, type TimelineEntry } from '../../contracts/order';
import { clock } from './time';
import { record } from './timeline';

interface CreatableOrder {
  mrn: string;
  requestHash: string;
  status: string;
}

/**
 * The creation update: waits until the platform has answered the create, then replies. The first
 * request is told so (201 vs 200 for a retry); a request with another fingerprint under the same
 * mrn is refused by the validator, so it never enters history.
 */
export function answerCreationRequests<Reply>(
  update: UpdateDefinition<Reply, [{ requestHash: string }]>,
  order: CreatableOrder,
  what: string,
  reply: (firstRequest: boolean) => Reply,
): void {
  let firstRequest = true;
  setHandler(
    update,
    async () => {
      const first = firstRequest;
      firstRequest = false;
      await condition(() => order.status !== 'creating');
      return reply(first);
    },
    {
      validator: ({ requestHash }) => {
        if (requestHash !== order.requestHash) {
          throw ApplicationFailure.create({ type: REQUEST_CONFLICT, nonRetryable: true, message: `mrn ${order.mrn} already names a different ${what} request` });
        }
      },
    },
  );
}

/**
 * Waits for the callback until `until` (epoch ms), unless the order was decided already.
 * Returns true when it was decided; otherwise notes in the timeline that polling starts.
 */
export async function awaitCallback(
  order: { timeline: TimelineEntry[] },
  until: number,
  decided: () => boolean,
  describeWait: (text: string) => void,
): Promise<boolean> {
  const waitMs = until - Date.now();
  // Whether to start the timer must not depend on the clock: right after a local activity that outlived
  // a workflow-task heartbeat (a slow create), the first run reads a later Date.now() than a replay
  // does, so "waitMs > 0" could start a timer in one and not the other — a nondeterminism error that
  // stalls the order on any other worker (found by npm run chaos; test/workflows/clock-skew.test.ts).
  // Runs recorded before this rule keep their old branch (patched() is asked first, whatever the clock).
  const timerAlways = applies(PATCHES.callbackTimerAlways);
  if (timerAlways || waitMs > 0) {
    describeWait(`waiting for the platform's callback until ${clock(until)}`);
    await condition(decided, Math.max(waitMs, 1), { summary: `wait for callback until ${clock(until)}` });
  }
  if (decided()) return true;
  record(order.timeline, new Date(), 'no callback yet', 'asking the platform');
  return false;
}
