/**
 * The worker's health endpoint: `GET /healthz` on WORKER_HEALTH_PORT answers 200 while the worker
 * runs, its pollers poll and Temporal saw its last poll recently (its task queue's poller list),
 * 503 otherwise — for an orchestrator's
 * liveness/readiness checks (docker compose, Kubernetes, `npm run cluster`).
 */
import { createServer, type Server } from 'node:http';
import { temporal } from '@temporalio/proto';
import type { NativeConnection, Worker } from '@temporalio/worker';

export interface WorkerHealthOptions {
  port: number;
  host?: string;
  /**
   * The worker is unhealthy when Temporal has seen no poll of it for this long (an empty long poll
   * ends after about a minute and is renewed at once). Default 150 s.
   */
  staleAfterMs?: number;
}

export interface WorkerHealthServer {
  port: number;
  close(): Promise<void>;
}

export interface WorkerHealthStatus {
  status: 'ok' | 'unavailable';
  state: string;
  /** The pollers' own view: POLLING while they poll. */
  pollers: { workflow: string; activity: string };
  /** When Temporal last saw a poll of this worker (describeTaskQueue's poller list), ISO time. */
  lastSuccessfulPoll: string | null;
  problem?: string;
}

/** The worker's state and, asked of Temporal, when it last polled its task queue. */
export async function workerHealth(worker: Worker, connection: NativeConnection, staleAfterMs: number): Promise<WorkerHealthStatus> {
  const state = worker.getState();
  const status = worker.getStatus();
  const pollers = { workflow: status.workflowPollerState, activity: status.activityPollerState };
  const base = { state, pollers, lastSuccessfulPoll: null };
  if (state !== 'RUNNING') return { ...base, status: 'unavailable', problem: `worker ${state.toLowerCase()}` };
  if (pollers.workflow !== 'POLLING' || pollers.activity !== 'POLLING') return { ...base, status: 'unavailable', problem: 'a poller is not polling' };
  let lastAccess: number | undefined;
  try {
    const described = await connection.withDeadline(Date.now() + 2_000, () =>
      connection.workflowService.describeTaskQueue({
        namespace: worker.options.namespace,
        taskQueue: { name: worker.options.taskQueue },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      }),
    );
    const mine = (described.pollers ?? []).find((poller) => poller.identity === worker.options.identity);
    const seconds = mine?.lastAccessTime?.seconds;
    if (seconds !== undefined && seconds !== null) lastAccess = Number(seconds) * 1000 + Math.floor((mine?.lastAccessTime?.nanos ?? 0) / 1e6);
  } catch (error) {
    return { ...base, status: 'unavailable', problem: `Temporal unreachable: ${(error as Error).message}` };
  }
  const lastSuccessfulPoll = lastAccess === undefined ? null : new Date(lastAccess).toISOString();
  if (lastAccess === undefined) return { ...base, lastSuccessfulPoll, status: 'unavailable', problem: 'Temporal has seen no poll of this worker yet' };
  if (Date.now() - lastAccess > staleAfterMs) return { ...base, lastSuccessfulPoll, status: 'unavailable', problem: 'no poll for too long' };
  return { ...base, lastSuccessfulPoll, status: 'ok' };
}

export function startWorkerHealthServer(worker: Worker, connection: NativeConnection, options: WorkerHealthOptions): Promise<WorkerHealthServer> {
  const staleAfterMs = options.staleAfterMs ?? 150_000;
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/healthz') {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    void workerHealth(worker, connection, staleAfterMs).then((health) => {
      response.writeHead(health.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(health));
    });
  });
  return new Promise((resolveStarted, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, host: options.host ?? '127.0.0.1' }, () => {
      const { port } = server.address() as { port: number };
      resolveStarted({
        port,
        close: () => new Promise<void>((resolveClosed) => server.close(() => resolveClosed())),
      });
    });
  });
}

