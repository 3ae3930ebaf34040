/** Runs N orders with C in flight and keeps one sample per order. */

export interface OrderSample {
  mrn: string;
  workflowId: string;
  /** Epoch ms when the client started the order (to line up with server and sandbox timestamps). */
  startedAt: number;
  /** Start → the client knows the payUrl. */
  payUrlMs: number | null;
  /** Start → the client has seen the workflow complete `succeeded`. */
  completedMs: number | null;
  /** Epoch ms of the two moments above. */
  payUrlAt: number | null;
  completedAt: number | null;
  /** Naive client only: queries sent until the payUrl was there. */
  queries?: number;
  error?: string;
}

export interface RunResult {
  samples: OrderSample[];
  /** First start → last completion. */
  wallMs: number;
}

export type OrderRunner = (index: number) => Promise<OrderSample>;

/** Closed loop: `concurrency` slots, each starting its next order once the previous one has completed. */
export async function runOrders(count: number, concurrency: number, timeoutMs: number, runOne: OrderRunner): Promise<RunResult> {
  const samples: OrderSample[] = [];
  let next = 0;
  const started = performance.now();
  const slot = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      samples.push(await withTimeout(runOne(index), timeoutMs, index));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, slot));
  return { samples, wallMs: performance.now() - started };
}

async function withTimeout(order: Promise<OrderSample>, timeoutMs: number, index: number): Promise<OrderSample> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<OrderSample>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          mrn: `#${index}`,
          workflowId: '',
          startedAt: Date.now() - timeoutMs,
          payUrlMs: null,
          completedMs: null,
          payUrlAt: null,
          completedAt: null,
          error: `no completion within ${timeoutMs} ms`,
        }),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([order, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** A sample whose order failed somewhere: kept, counted, and left out of the latency figures. */
export function failed(base: Pick<OrderSample, 'mrn' | 'workflowId' | 'startedAt'> & Partial<OrderSample>, error: unknown): OrderSample {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { payUrlMs: null, completedMs: null, payUrlAt: null, completedAt: null, ...base, error: message.slice(0, 300) };
}
