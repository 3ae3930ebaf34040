/**
 * After a scenario: where each order's time went, from three clocks on this one machine — the
 * bench's own timestamps, the events in the workflow's history, and the sandbox's records of the
 * create call and the callback delivery.
 */
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import type { SandboxControl } from '../src/sandbox';
import type { OrderSample } from './run';
import { mean, median } from './stats';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface OrderTrace {
  mrn: string;
  eventTypes: string[];
  /** Each event's time, in ms after WorkflowExecutionStarted. */
  eventOffsetsMs: number[];
  startedEventAt?: number;
  completedEventAt?: number;
  signaledAt?: number;
  /** Workflow tasks: scheduled → started (waiting for a worker) and started → completed (the worker's turn). */
  wftQueueMs: number[];
  wftRunMs: number[];
  createAt?: number;
  callbackAt?: number;
  callbackMs?: number;
  callbackStatus?: number | null;
}

export interface Breakdown {
  /** Median ms of each step, in the order an order goes through them. */
  steps: { step: string; medianMs: number }[];
  historyEventsPerOrder: number;
  /** Mean count per order of each history event type. */
  eventTypesPerOrder: Record<string, number>;
  workflowTasksPerOrder: number;
  /** Medians of the first workflow task (start; ours also runs the create as a local activity) and the last (the callback's). */
  firstTaskQueueMs: number;
  firstTaskRunMs: number;
  lastTaskQueueMs: number;
  lastTaskRunMs: number;
  /** Orders whose first callback attempt was not answered 200 success. */
  callbacksNotAcceptedFirstTime: number;
}

/** `kind`: the sandbox records to line up with (none for the engine-ceiling scenario, which never calls the platform). */
export async function traceOrders(client: Client, control: SandboxControl, samples: readonly OrderSample[], kind: 'payment' | 'payout' | null): Promise<OrderTrace[]> {
  const wanted = samples.filter((s) => s.workflowId !== '');
  const mrns = new Set(wanted.map((s) => s.mrn));
  const creates = new Map<string, number>();
  for (const record of kind === null ? [] : await control.requests({ kind })) {
    if (record.operation === 'create' && record.mrn !== null && mrns.has(record.mrn) && !creates.has(record.mrn)) creates.set(record.mrn, Date.parse(record.at));
  }
  const callbacks = new Map<string, { at: number; ms: number; status: number | null }>();
  for (const delivery of kind === null ? [] : await control.deliveries({ kind })) {
    const first = delivery.attempts[0];
    if (first !== undefined && mrns.has(delivery.mrn) && !callbacks.has(delivery.mrn)) {
      callbacks.set(delivery.mrn, { at: Date.parse(first.at), ms: first.durationMs, status: first.statusCode });
    }
  }

  const traces: OrderTrace[] = [];
  let next = 0;
  const fetchOne = async (): Promise<void> => {
    while (next < wanted.length) {
      const sample = wanted[next++];
      const history = await client.workflow.getHandle(sample.workflowId).fetchHistory();
      const callback = callbacks.get(sample.mrn);
      traces.push({
        mrn: sample.mrn,
        ...fromHistory(history.events ?? []),
        createAt: creates.get(sample.mrn),
        callbackAt: callback?.at,
        callbackMs: callback?.ms,
        callbackStatus: callback?.status,
      });
    }
  };
  await Promise.all(Array.from({ length: 8 }, fetchOne));
  return traces;
}

function fromHistory(events: readonly HistoryEvent[]): Omit<OrderTrace, 'mrn' | 'createAt' | 'callbackAt' | 'callbackMs' | 'callbackStatus'> {
  const E = temporal.api.enums.v1.EventType;
  const at = (event: HistoryEvent): number => tsToMs(event.eventTime);
  const byId = new Map<string, HistoryEvent>();
  const trace: ReturnType<typeof fromHistory> = { eventTypes: [], eventOffsetsMs: [], wftQueueMs: [], wftRunMs: [] };
  const origin = events.length > 0 ? at(events[0]) : 0;
  for (const event of events) {
    byId.set(String(event.eventId), event);
    trace.eventTypes.push(eventTypeName(event.eventType ?? 0));
    trace.eventOffsetsMs.push(Math.round((at(event) - origin) * 10) / 10);
    switch (event.eventType) {
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        trace.startedEventAt = at(event);
        break;
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        trace.signaledAt ??= at(event);
        break;
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
        trace.completedEventAt = at(event);
        break;
      case E.EVENT_TYPE_WORKFLOW_TASK_STARTED: {
        const scheduled = byId.get(String(event.workflowTaskStartedEventAttributes?.scheduledEventId));
        if (scheduled !== undefined) trace.wftQueueMs.push(at(event) - at(scheduled));
        break;
      }
      case E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: {
        const started = byId.get(String(event.workflowTaskCompletedEventAttributes?.startedEventId));
        if (started !== undefined) trace.wftRunMs.push(at(event) - at(started));
        break;
      }
    }
  }
  return trace;
}

/** EVENT_TYPE_WORKFLOW_TASK_SCHEDULED → WorkflowTaskScheduled */
function eventTypeName(type: number): string {
  const name = temporal.api.enums.v1.EventType[type] ?? `EVENT_TYPE_${type}`;
  return name
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_m, _sep: string, letter: string) => letter.toUpperCase());
}

/**
 * `milestone`: what the client's first milestone is called in the step names ("payUrl" for pay-ins);
 * `platform`: false for the engine ceiling, which has no create and no callback to count.
 */
export function breakdown(samples: readonly OrderSample[], traces: readonly OrderTrace[], milestone = 'payUrl', platform = true): Breakdown {
  const bySample = new Map(samples.map((s) => [s.mrn, s]));
  const steps: [string, (s: OrderSample, t: OrderTrace) => number | undefined][] = [
    ['client start → WorkflowExecutionStarted', (s, t) => diff(s.startedAt, t.startedEventAt)],
    ['WorkflowExecutionStarted → platform gets the create', (_s, t) => diff(t.startedEventAt, t.createAt)],
    [`platform gets the create → client has ${milestone}`, (s, t) => diff(t.createAt, s.payUrlAt ?? undefined)],
    ['platform gets the create → callback sent', (_s, t) => diff(t.createAt, t.callbackAt)],
    ['callback sent → WorkflowExecutionSignaled', (_s, t) => diff(t.callbackAt, t.signaledAt)],
    ['callback round trip (receiver answers)', (_s, t) => t.callbackMs],
    ['WorkflowExecutionSignaled → WorkflowExecutionCompleted', (_s, t) => diff(t.signaledAt, t.completedEventAt)],
    ['WorkflowExecutionCompleted → client sees the result', (s, t) => diff(t.completedEventAt, s.completedAt ?? undefined)],
  ];
  const complete = traces.filter((t) => bySample.get(t.mrn)?.completedAt != null);
  const typeCounts: Record<string, number> = {};
  for (const t of complete) for (const type of t.eventTypes) typeCounts[type] = (typeCounts[type] ?? 0) + 1;
  for (const type of Object.keys(typeCounts)) typeCounts[type] = typeCounts[type] / Math.max(1, complete.length);
  return {
    steps: steps.map(([step, measure]) => ({
      step,
      medianMs: median(complete.map((t) => measure(bySample.get(t.mrn) as OrderSample, t)).filter((v): v is number => v !== undefined)),
    })),
    historyEventsPerOrder: mean(complete.map((t) => t.eventTypes.length)),
    eventTypesPerOrder: typeCounts,
    workflowTasksPerOrder: mean(complete.map((t) => t.wftRunMs.length)),
    firstTaskQueueMs: median(complete.flatMap((t) => t.wftQueueMs.slice(0, 1))),
    firstTaskRunMs: median(complete.flatMap((t) => t.wftRunMs.slice(0, 1))),
    lastTaskQueueMs: median(complete.flatMap((t) => t.wftQueueMs.slice(-1))),
    lastTaskRunMs: median(complete.flatMap((t) => t.wftRunMs.slice(-1))),
    callbacksNotAcceptedFirstTime: platform ? complete.filter((t) => t.callbackStatus !== 200).length : 0,
  };
}

function diff(from: number | undefined, to: number | undefined): number | undefined {
  return from === undefined || to === undefined ? undefined : to - from;
}
