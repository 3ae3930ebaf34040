import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Fen } from '../gateway';
import { ORDER_KINDS, type Order, type OrderKind } from './orders';

/** The file in the data directory that holds the sandbox's state. */
export const SANDBOX_STATE_FILE = 'sandbox-state.json';

/** After a change, the state is written at most this long later (a burst of changes is one write). */
const WRITE_DELAY_MS = 200;

/** An order identified the way the platform does: kind, merchant, mrn. */
export interface OrderKey {
  kind: OrderKind;
  appKey: string;
  mrn: string;
}

/**
 * What the sandbox must still know after a restart to answer as the platform would: every order
 * (queries, duplicates, the cashier's links), the balances, and the paid orders whose callback was
 * still being delivered. Request logs, delivery records and scenarios are for inspection and tests,
 * and start empty.
 */
export interface SandboxSnapshot {
  version: 1;
  balances: Record<string, Fen>;
  orders: Order[];
  undeliveredCallbacks: OrderKey[];
}

/**
 * The sandbox's state in `<dataDir>/sandbox-state.json`: read once at start, written after every
 * change (delayed a little, so a burst is one write) and at once on flush (close). Each write goes to a
 * temporary file first and is renamed over the old one, so a crash leaves the previous state or the
 * new one, never half of either. Payout account numbers are in it: the file is readable by its owner only.
 */
export class SandboxStateFile {
  readonly file: string;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    dataDir: string,
    private readonly snapshot: () => SandboxSnapshot,
  ) {
    this.file = join(dataDir, SANDBOX_STATE_FILE);
  }

  /** The saved state, or undefined when there is none yet. A file that cannot be read stops the start. */
  load(): SandboxSnapshot | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      return checkSnapshot(JSON.parse(text));
    } catch (error) {
      throw new Error(`the sandbox state ${this.file} is not readable (${error instanceof Error ? error.message : String(error)}); move it away to start empty`);
    }
  }

  /** Something changed: write soon. */
  changed(): void {
    if (this.closed || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.write();
    }, WRITE_DELAY_MS);
    this.timer.unref();
  }

  /** Writes now (if anything is waiting to be written, or `always`). */
  flush(always = false): void {
    if (this.closed) return;
    const waiting = this.timer !== undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (waiting || always) this.write();
  }

  /** The last write; nothing is written after it. */
  close(): void {
    this.flush(true);
    this.closed = true;
  }

  private write(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const partial = `${this.file}.${process.pid}.partial`;
    writeFileSync(partial, JSON.stringify(this.snapshot()), { mode: 0o600 });
    renameSync(partial, this.file);
  }
}

function checkSnapshot(value: unknown): SandboxSnapshot {
  const snapshot = value as Partial<SandboxSnapshot> | null;
  if (snapshot === null || typeof snapshot !== 'object' || snapshot.version !== 1) throw new Error('not a version 1 sandbox state');
  if (typeof snapshot.balances !== 'object' || snapshot.balances === null) throw new Error('no balances');
  if (!Array.isArray(snapshot.orders) || !Array.isArray(snapshot.undeliveredCallbacks)) throw new Error('no orders');
  for (const order of snapshot.orders as unknown[]) {
    const o = order as Partial<Order> | null;
    if (o === null || typeof o !== 'object' || !ORDER_KINDS.includes(o.kind as OrderKind) || typeof o.id !== 'string' || typeof o.mrn !== 'string' || typeof o.appKey !== 'string') {
      throw new Error('an order without kind, id, appKey or mrn');
    }
  }
  return snapshot as SandboxSnapshot;
}
