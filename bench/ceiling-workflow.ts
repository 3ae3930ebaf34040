/**
 * The engine-ceiling scenario's workflow: the smallest workflow with an order's shape — it starts,
 * waits for one signal from outside and completes. No activity, no query, no timer, no search
 * attribute: what is left is the engine's own cost of a start, a signal and a completion.
 */
import { condition, defineSignal, setHandler } from '@temporalio/workflow';

export const ceilingWorkflowId = (mrn: string): string => `ceiling-${mrn}`;

/** The outside event the workflow waits for (an order's platform callback). */
export const ceilingSignal = defineSignal('done');

export async function ceilingWorkflow(): Promise<'done'> {
  let signalled = false;
  setHandler(ceilingSignal, () => {
    signalled = true;
  });
  await condition(() => signalled);
  return 'done';
}
