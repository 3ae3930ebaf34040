/**
 * Benchmark settings from the command line (`--orders=200`) or the environment (`BENCH_ORDERS=200`);
 * the command line wins.
 */
export type ScenarioName = 'orchestrator' | 'naive' | 'ceiling';
export const SCENARIOS: readonly ScenarioName[] = ['orchestrator', 'naive', 'ceiling'];

/** Which order the orchestrator and naive scenarios run: pay-ins (POST /v1/payments) or payouts (POST /v1/payouts). */
export type OrderKindOption = 'payment' | 'payout';

export interface BenchOptions {
  /**
   * The order kinds of the orchestrator and naive scenarios, measured one after the other on the same
   * running system, each with its own warm-up, rounds, table and JSON (the ceiling runs with each kind).
   */
  kinds: OrderKindOption[];
  /** Measured orders per scenario. */
  orders: number;
  /** Orders in flight at once (each slot runs one order from start to completion, then the next). */
  concurrency: number;
  /** Unmeasured orders per scenario first (JIT, connection pools, worker caches). */
  warmup: number;
  /** Naive client: pause between two queries for the payUrl. */
  pollMs: number;
  /** Scenarios in the order they run. */
  scenarios: ScenarioName[];
  /**
   * The measured orders of each scenario are split into this many rounds, run alternately
   * (A B, B A, A B, …) so that a machine whose load changes during the run weighs on both alike.
   */
  rounds: number;
  /** Give up on one order after this long (it counts as failed). */
  orderTimeoutMs: number;
  /**
   * The dev server's search-attribute cache. `on`: as startDevServer sets it on a new database and as
   * a production server has it. `off`: as `temporal server start-dev` ships, where every start,
   * upsert and describe reads the search attributes from SQLite.
   */
  saCache: 'on' | 'off';
  /** pino level of the system's logs (API, worker, sandbox). */
  logLevel: string;
  /** Where the JSON figures go. */
  outDir: string;
  /**
   * An existing Temporal frontend (a cluster, e.g. `npm run cluster -- up --api 0 --workers 0`)
   * instead of a dev server of the bench's own; TEMPORAL_TLS_* / TEMPORAL_API_KEY secure the connection.
   */
  temporalAddress: string | undefined;
  /** Its namespace (with the order search attributes registered). */
  temporalNamespace: string;
  /**
   * With `temporalAddress`: the processes whose CPU counts as the Temporal server's, each with its
   * descendants (e.g. the cluster's temporal-server and its PostgreSQL, whose backends are children).
   */
  serverPids: number[];
}

const USAGE = `npm run bench -- [--kind=payment|payout|payment,payout] [--orders=N] [--concurrency=C] [--warmup=W] [--rounds=R] [--poll-ms=MS]
                     [--scenarios=orchestrator,naive,ceiling] [--sa-cache=on|off] [--order-timeout-ms=MS] [--log-level=warn]
                     [--out-dir=artifacts/bench] [--temporal-address=HOST:PORT [--temporal-namespace=default] [--server-pids=PID,PID]]
  (or BENCH_KIND, BENCH_ORDERS, BENCH_CONCURRENCY, BENCH_WARMUP, BENCH_ROUNDS, BENCH_POLL_MS, BENCH_SCENARIOS, BENCH_SA_CACHE,
   BENCH_ORDER_TIMEOUT_MS, BENCH_LOG_LEVEL, BENCH_OUT_DIR, BENCH_TEMPORAL_ADDRESS, BENCH_TEMPORAL_NAMESPACE, BENCH_SERVER_PIDS)`;

export class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n\n${USAGE}`);
    this.name = 'UsageError';
  }
}

function saCache(text: string): 'on' | 'off' {
  if (text !== 'on' && text !== 'off') throw new UsageError(`sa-cache=${text}: say on or off`);
  return text;
}

function kinds(text: string): OrderKindOption[] {
  const list = text.split(',').map((k) => k.trim());
  for (const k of list) if (k !== 'payment' && k !== 'payout') throw new UsageError(`kind=${text}: say payment, payout or payment,payout`);
  if (new Set(list).size !== list.length) throw new UsageError(`kind=${text} names a kind twice`);
  return list as OrderKindOption[];
}

function serverPids(text: string | undefined, address: string | undefined): number[] {
  if (text === undefined || text === '') return [];
  if (address === undefined) throw new UsageError('server-pids is for a cluster: give --temporal-address too (the bench measures its own dev server itself)');
  const pids = text.split(',').map((p) => p.trim());
  for (const pid of pids) if (!/^[1-9][0-9]{0,9}$/.test(pid)) throw new UsageError(`server-pids=${text}: say process ids, e.g. 3127,3076`);
  return pids.map(Number);
}

function temporalAddress(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!/^[^\s:]+:[0-9]{1,5}$|^\[[0-9a-fA-F:]+\]:[0-9]{1,5}$/.test(text)) throw new UsageError(`temporal-address=${text} is not HOST:PORT`);
  return text;
}

export function readOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const given = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith('BENCH_') && value !== undefined && value.trim() !== '') {
      given.set(name.slice('BENCH_'.length).toLowerCase().replace(/_/g, '-'), value.trim());
    }
  }
  for (const arg of argv) {
    if (arg === '--help' || arg === '-h') throw new UsageError('usage:');
    const match = /^--([a-z-]+)=(.*)$/.exec(arg);
    if (match === null) throw new UsageError(`unknown argument ${arg}`);
    given.set(match[1], match[2]);
  }
  const known = ['kind', 'orders', 'concurrency', 'warmup', 'rounds', 'poll-ms', 'scenarios', 'sa-cache', 'order-timeout-ms', 'log-level', 'out-dir', 'temporal-address', 'temporal-namespace', 'server-pids'];
  for (const name of given.keys()) if (!known.includes(name)) throw new UsageError(`unknown setting ${name}`);

  const int = (name: string, fallback: number, min: number, max: number): number => {
    const text = given.get(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!/^[0-9]+$/.test(text) || value < min || value > max) throw new UsageError(`${name}=${text} is not a whole number in ${min}..${max}`);
    return value;
  };
  const scenarios = (given.get('scenarios') ?? SCENARIOS.join(',')).split(',').map((s) => s.trim());
  for (const s of scenarios) if (!(SCENARIOS as readonly string[]).includes(s)) throw new UsageError(`unknown scenario ${s}`);
  if (scenarios.length === 0 || new Set(scenarios).size !== scenarios.length) throw new UsageError('scenarios must name each scenario at most once');

  return {
    kinds: kinds(given.get('kind') ?? 'payment'),
    orders: int('orders', 200, 1, 100_000),
    concurrency: int('concurrency', 10, 1, 1_000),
    warmup: int('warmup', 20, 0, 10_000),
    pollMs: int('poll-ms', 20, 1, 10_000),
    scenarios: scenarios as ScenarioName[],
    rounds: int('rounds', 4, 1, 100),
    saCache: saCache(given.get('sa-cache') ?? 'on'),
    orderTimeoutMs: int('order-timeout-ms', 30_000, 1_000, 600_000),
    logLevel: given.get('log-level') ?? 'warn',
    outDir: given.get('out-dir') ?? 'artifacts/bench',
    temporalAddress: temporalAddress(given.get('temporal-address')),
    temporalNamespace: given.get('temporal-namespace') ?? 'default',
    serverPids: serverPids(given.get('server-pids'), given.get('temporal-address')),
  };
}
