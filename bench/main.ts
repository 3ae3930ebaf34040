/**
 * `npm run bench`: the pay-in happy path (`--kind=payout`: the payout's) through our orchestrator
 * (scenario A) against a naive Temporal implementation of the same order (scenario B) and the
 * engine's ceiling (scenario C: the smallest start–signal–complete workflow), on one headless dev
 * server and one sandbox platform that settles at once and calls back at once. Prints a table,
 * writes the raw figures to artifacts/bench/, stops everything it started.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundle } from '@temporalio/worker';
import pino from 'pino';
import { encryptingDataConverter, parseCodecKeys } from '../src/codec';
import { loadConfig } from '../src/config';
import { WORKFLOW_METRICS_MODULE } from '../src/metrics/worker-metrics';
import { startSystem } from '../src/system';
import { temporalCliPath } from '../src/temporal/binaries';
import { temporalConnectionOptions } from '../src/temporal/connection-options';
import { findFreePort, startDevServer } from '../src/temporal/dev-server';
import { ceilingRunner, startCeiling } from './ceiling';
import { naivePayoutRunner, naiveRunner, startNaive } from './naive';
import { orchestratorClient } from './orchestrator';
import { readOptions, UsageError, type BenchOptions, type OrderKindOption, type ScenarioName } from './options';
import { runOrders, type OrderRunner, type OrderSample } from './run';
import { distribution, fixed, mean, table, type Distribution } from './stats';
import { breakdown, traceOrders, type Breakdown, type OrderTrace } from './trace';

/**
 * The repository root: the nearest folder above this file with a package.json (it runs as
 * dist-bench/bench/main.js, or from an --outDir elsewhere, e.g. bench/smoke.sh's), else the
 * working directory.
 */
const ROOT = repositoryRoot(__dirname) ?? process.cwd();

function repositoryRoot(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

interface ScenarioFigures {
  name: ScenarioName;
  orders: number;
  concurrency: number;
  succeeded: number;
  failed: number;
  errors: string[];
  wallMs: number;
  throughputPerSec: number;
  /** CPU per order: this Node process (API, workers, sandbox, bench) and the Temporal dev server. */
  nodeCpuMsPerOrder: number;
  serverCpuMsPerOrder: number;
  /** The embedded order book's CPU: zero for the naive and ceiling scenarios, which write no book. */
  bookCpuMsPerOrder: number;
  payUrlMs: Distribution;
  completedMs: Distribution;
  breakdown: Breakdown;
  /** Naive only: mean queries per order until the payUrl (a payout: the acceptance) was there. */
  queriesPerOrder?: number;
  samples: OrderSample[];
  traces: OrderTrace[];
}

const say = (line: string): void => {
  process.stderr.write(`bench: ${line}\n`);
};

async function main(): Promise<number> {
  const options = readOptions(process.argv.slice(2), process.env);
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });

  const stack: (() => Promise<unknown>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const step of stack.reverse().splice(0)) await step().catch((error: unknown) => say(`while stopping: ${String(error)}`));
  };
  const onSignal = (): void => {
    say('interrupted: stopping');
    void stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const tmp = mkdtempSync(join(tmpdir(), 'orchestrator-bench-'));
    stack.push(async () => rmSync(tmp, { recursive: true, force: true }));
    const tag = randomBytes(3).toString('hex');

    const executable = cliPath();
    let devServer: { address: string; namespace: string; process: { pid?: number } };
    if (options.temporalAddress !== undefined) {
      // An existing cluster: its server's CPU is not ours to read (the table shows NaN for it).
      say(`using the Temporal cluster at ${options.temporalAddress}, namespace ${options.temporalNamespace}`);
      devServer = { address: options.temporalAddress, namespace: options.temporalNamespace, process: {} };
    } else {
      say(`starting a headless dev server (${relative(ROOT, executable) || executable})`);
      const started = await startDevServer({
        executable,
        port: await findFreePort(),
        headless: true,
        dbFilename: join(tmp, 'temporal.sqlite'),
        logLevel: 'error',
        dynamicConfig: { 'system.forceSearchAttributesCacheRefreshOnRead': options.saCache === 'off' },
      });
      stack.push(() => started.stop());
      devServer = started;
    }
    const temporalConnection = temporalConnectionOptions(process.env, devServer.address);

    say('bundling workflow code (ours, the naive one and the ceiling)');
    const [orchestratorBundle, naiveBundle, ceilingBundle] = await Promise.all([
      // With the workflow metrics interceptors, as the production worker bundles it (src/worker.ts).
      bundle(require.resolve('../src/workflows'), [WORKFLOW_METRICS_MODULE]),
      bundle(require.resolve('./naive-workflow')),
      bundle(require.resolve('./ceiling-workflow')),
    ]);

    const codecKeys = `bench-1:${randomBytes(32).toString('base64')}`;
    const config = loadConfig(
      {
        HOST: '127.0.0.1',
        PORT: String(await findFreePort()),
        TEMPORAL_ADDRESS: devServer.address,
        TEMPORAL_NAMESPACE: devServer.namespace,
        TEMPORAL_TASK_QUEUE: `bench-orders-${tag}`,
        API_TOKEN: randomBytes(18).toString('base64url'),
        NOTIFY_SECRET: randomBytes(18).toString('base64url'),
        CODEC_KEYS: codecKeys,
        DATA_DIR: join(tmp, 'data'),
        // A real PostgreSQL for the order book when given (a cluster's `orders` database); else the embedded one.
        ...(process.env.DATABASE_URL === undefined ? {} : { DATABASE_URL: process.env.DATABASE_URL }),
        LOG_LEVEL: options.logLevel,
      },
      'all-in-one',
    );
    say('starting our system (sandbox, API, worker)');
    const system = await startSystem({ config, log: pino({ level: options.logLevel }), sandbox: { port: 0 }, workflowBundle: orchestratorBundle });
    stack.push(() => system.stop());
    const sandbox = system.sandbox;
    if (sandbox === undefined) throw new Error('startSystem started no sandbox');
    for (const kind of options.kinds) await sandbox.control.setAutoSettle({ kind, outcome: 'paid', afterMs: 0 });

    // The bench's eyes: its own connection, used only to await results and read histories.
    const observerConnection = await Connection.connect(temporalConnection);
    stack.push(() => observerConnection.close());
    const ring = parseCodecKeys(codecKeys);
    if (!ring.ok) throw new Error(ring.problems.join('; '));
    const observeOurs = new Client({ connection: observerConnection, namespace: devServer.namespace, dataConverter: encryptingDataConverter(ring.ring) });
    const observeNaive = new Client({ connection: observerConnection, namespace: devServer.namespace });

    // The naive application's own connection (start, query, signal), like our API's.
    const naiveConnection = await Connection.connect(temporalConnection);
    stack.push(() => naiveConnection.close());
    const naiveClient = new Client({ connection: naiveConnection, namespace: devServer.namespace });
    const naiveQueue = `bench-naive-${tag}`;
    const naive = await startNaive({
      temporalAddress: devServer.address,
      namespace: devServer.namespace,
      taskQueue: naiveQueue,
      bundle: naiveBundle,
      gateway: system.gateway,
      client: naiveClient,
    });
    stack.push(() => naive.stop());
    // The ceiling: its own task queue and worker; the naive application's connection starts and signals it.
    const ceilingQueue = `bench-ceiling-${tag}`;
    if (options.scenarios.includes('ceiling')) {
      const ceiling = await startCeiling({ temporalAddress: devServer.address, namespace: devServer.namespace, taskQueue: ceilingQueue, bundle: ceilingBundle });
      stack.push(() => ceiling.stop());
    }

    const machine = machineFacts(executable);
    if (options.temporalAddress !== undefined) {
      const info = await observerConnection.workflowService.getSystemInfo({});
      machine.temporal = `Temporal cluster at ${options.temporalAddress} (server ${info.serverVersion ?? 'unknown'}, namespace ${options.temporalNamespace})`;
    }
    const ours = orchestratorClient({ apiUrl: system.apiUrl, apiToken: system.apiToken, observer: observeOurs, concurrency: options.concurrency });
    stack.push(() => ours.close());
    /** Measures one order kind: warm-up, alternating rounds, histories, the table and the JSON. Answers the failed orders. */
    const measureKind = async (kind: OrderKindOption): Promise<number> => {
      const payout = kind === 'payout';
      // Pay-in mrns as before; payouts' get an "o" so a two-kind run never reuses an mrn at the platform.
      const id = `B${tag}${payout ? 'o' : ''}`;
      const runners: Record<ScenarioName, (phase: string) => OrderRunner> = {
        orchestrator: (phase) => (payout ? ours.payoutRunner(`${id}a${phase}-`) : ours.runner(`${id}a${phase}-`)),
        naive: (phase) =>
          payout
            ? naivePayoutRunner(naiveClient, observeNaive, naiveQueue, options.pollMs, `${id}n${phase}-`)
            : naiveRunner(naiveClient, observeNaive, naiveQueue, options.pollMs, `${id}n${phase}-`),
        ceiling: (phase) => ceilingRunner(naiveClient, observeNaive, ceilingQueue, `${id}c${phase}-`),
      };
      const receiverErrorsBefore = naive.receiverErrors();
      const loadAverage = loadavg().map((l) => Math.round(l * 100) / 100);
      if (options.warmup > 0) {
        for (const name of options.scenarios) {
          say(`${kind} ${name}: warm-up, ${options.warmup} orders`);
          const warm = await runOrders(options.warmup, options.concurrency, options.orderTimeoutMs, runners[name]('w'));
          const bad = warm.samples.filter((s) => s.error !== undefined);
          if (bad.length > 0) say(`${kind} ${name}: ${bad.length} warm-up orders failed, e.g. ${bad[0].error ?? ''}`);
        }
      }
      const measured = new Map(options.scenarios.map((name) => [name, { samples: [] as OrderSample[], wallMs: 0, nodeCpuMs: 0, serverCpuMs: 0, bookCpuMs: 0 }]));
      // The Temporal server: the dev server, or the cluster's processes named by --server-pids (NaN without).
      const serverPids = options.temporalAddress === undefined ? [devServer.process.pid ?? -1] : options.serverPids;
      // The order book's database when it is ours alone: the embedded PostgreSQL, a child process of this one.
      const bookPids = process.env.DATABASE_URL === undefined ? childPids(process.pid).filter((pid) => pid !== devServer.process.pid) : [];
      for (let round = 0; round < options.rounds; round++) {
        const count = Math.floor(options.orders / options.rounds) + (round < options.orders % options.rounds ? 1 : 0);
        if (count === 0) continue;
        const order = round % 2 === 0 ? options.scenarios : [...options.scenarios].reverse();
        for (const name of order) {
          const cpuBefore = process.cpuUsage();
          const serverBefore = treeCpuMs(serverPids);
          const bookBefore = treeCpuMs(bookPids);
          const run = await runOrders(count, options.concurrency, options.orderTimeoutMs, runners[name](`r${round}`));
          const cpu = process.cpuUsage(cpuBefore);
          const into = measured.get(name) as Measured;
          into.samples.push(...run.samples);
          into.wallMs += run.wallMs;
          into.nodeCpuMs += (cpu.user + cpu.system) / 1000;
          into.serverCpuMs += treeCpuMs(serverPids) - serverBefore;
          into.bookCpuMs += treeCpuMs(bookPids) - bookBefore;
          say(`round ${round + 1}/${options.rounds}: ${kind} ${name}, ${count} orders in ${fixed(run.wallMs / 1000, 1)} s`);
        }
      }
      const facts = { ...machine, loadAverage, loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100) };
      const figures: ScenarioFigures[] = [];
      for (const name of options.scenarios) {
        const run = measured.get(name) as Measured;
        say(`${kind} ${name}: reading ${run.samples.length} histories`);
        const traces = await traceOrders(name === 'orchestrator' ? observeOurs : observeNaive, sandbox.control, run.samples, name === 'ceiling' ? null : kind);
        figures.push(summarize(name, kind, options, run, traces));
      }
      const naiveErrors = naive.receiverErrors() - receiverErrorsBefore;

      const report = render(figures, facts, options, kind, naiveErrors);
      process.stdout.write(`${report}\n`);
      const outDir = resolve(ROOT, options.outDir);
      mkdirSync(outDir, { recursive: true });
      // Pay-ins keep the file names they always had; payouts get their own, so neither overwrites the other's latest.
      const suffix = payout ? '-payout' : '';
      const file = join(outDir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}${suffix}.json`);
      const json = JSON.stringify({ machine: facts, options, kind, naiveReceiverErrors: naiveErrors, scenarios: figures }, null, 2);
      writeFileSync(file, json);
      writeFileSync(join(outDir, `latest${suffix}.json`), json);
      process.stdout.write(`raw figures: ${relative(process.cwd(), file)}\n`);
      const failedOrders = figures.reduce((sum, f) => sum + f.failed, 0);
      if (failedOrders > 0) say(`${kind}: ${failedOrders} orders failed: see the table and the JSON`);
      return failedOrders;
    };

    let failedOrders = 0;
    for (const kind of options.kinds) failedOrders += await measureKind(kind);
    return failedOrders > 0 ? 1 : 0;
  } finally {
    say('stopping');
    await stopAll();
  }
}

interface Measured {
  samples: OrderSample[];
  wallMs: number;
  /** CPU time of this Node process (API, workers, sandbox, bench client — every thread) and of the Temporal server. */
  nodeCpuMs: number;
  serverCpuMs: number;
  /** CPU time of the embedded order book database (NaN when DATABASE_URL names a shared server). */
  bookCpuMs: number;
}

function summarize(name: ScenarioName, kind: OrderKindOption, options: BenchOptions, { samples, wallMs, nodeCpuMs, serverCpuMs, bookCpuMs }: Measured, traces: OrderTrace[]): ScenarioFigures {
  const ok = samples.filter((s) => s.error === undefined && s.completedMs !== null);
  const errors = [...new Set(samples.flatMap((s) => (s.error === undefined ? [] : [s.error])))].slice(0, 5);
  const figures: ScenarioFigures = {
    name,
    orders: samples.length,
    concurrency: options.concurrency,
    succeeded: ok.length,
    failed: samples.length - ok.length,
    errors,
    wallMs,
    throughputPerSec: ok.length / (wallMs / 1000),
    nodeCpuMsPerOrder: nodeCpuMs / Math.max(1, samples.length),
    serverCpuMsPerOrder: serverCpuMs / Math.max(1, samples.length),
    bookCpuMsPerOrder: bookCpuMs / Math.max(1, samples.length),
    payUrlMs: distribution(ok.map((s) => s.payUrlMs as number)),
    completedMs: distribution(ok.map((s) => s.completedMs as number)),
    breakdown: breakdown(samples, traces, milestoneName(kind), name !== 'ceiling'),
    samples,
    traces,
  };
  if (name === 'naive') figures.queriesPerOrder = mean(ok.map((s) => s.queries ?? 0));
  return figures;
}

/** The client's first milestone: the payUrl of a pay-in, the platform's acceptance of a payout. */
function milestoneName(kind: OrderKindOption): string {
  return kind === 'payout' ? 'accepted' : 'payUrl';
}

function render(figures: readonly ScenarioFigures[], machine: ReturnType<typeof machineFacts>, options: BenchOptions, kind: OrderKindOption, naiveErrors: number): string {
  const ours = figures.find((f) => f.name === 'orchestrator');
  const naive = figures.find((f) => f.name === 'naive');
  const ceiling = figures.find((f) => f.name === 'ceiling');
  const names = figures.map((f) => f.name);
  const header = ['', ...names, ...(ours && naive ? ['orchestrator/naive'] : [])];
  const row = (label: string, pick: (f: ScenarioFigures) => number, digits = 1, ratio = true): string[] => [
    label,
    ...figures.map((f) => fixed(pick(f), digits)),
    ...(ours && naive ? [ratio ? fixed(pick(ours) / pick(naive), 2) : '–'] : []),
  ];
  const latency = (label: string, pick: (f: ScenarioFigures) => Distribution): string[][] => [
    row(`${label} p50 (ms)`, (f) => pick(f).p50),
    row(`${label} p95 (ms)`, (f) => pick(f).p95),
    row(`${label} p99 (ms)`, (f) => pick(f).p99),
    row(`${label} max (ms)`, (f) => pick(f).max),
  ];
  const main = table(header, [
    ...latency(`start→${milestoneName(kind)}`, (f) => f.payUrlMs),
    ...latency('start→completed', (f) => f.completedMs),
    row('throughput (orders/s)', (f) => f.throughputPerSec),
    // The goal (issue 15): the orchestrator at 0.7 or more of what the engine itself can carry.
    ...(ceiling ? [row('throughput share of engine ceiling', (f) => f.throughputPerSec / ceiling.throughputPerSec, 2)] : []),
    row('CPU/order, node process (ms)', (f) => f.nodeCpuMsPerOrder),
    row('CPU/order, Temporal server (ms)', (f) => f.serverCpuMsPerOrder),
    // No ratio: the naive application has no book (its figure is the idle embedded database's).
    row('CPU/order, order book database (ms)', (f) => f.bookCpuMsPerOrder, 1, false),
    row('history events/order', (f) => f.breakdown.historyEventsPerOrder),
    row('workflow tasks/order', (f) => f.breakdown.workflowTasksPerOrder),
    row('first wf task: queue wait p50 (ms)', (f) => f.breakdown.firstTaskQueueMs),
    row('first wf task: run time p50 (ms)', (f) => f.breakdown.firstTaskRunMs),
    row('last wf task: queue wait p50 (ms)', (f) => f.breakdown.lastTaskQueueMs),
    row('last wf task: run time p50 (ms)', (f) => f.breakdown.lastTaskRunMs),
    row('succeeded orders', (f) => f.succeeded, 0),
    row('failed orders', (f) => f.failed, 0),
  ]);
  const stepNames = figures[0]?.breakdown.steps.map((s) => s.step) ?? [];
  const steps = table(
    ['median per order (ms)', ...names],
    stepNames.map((step, i) => [step, ...figures.map((f) => fixed(f.breakdown.steps[i]?.medianMs ?? Number.NaN, 1))]),
  );
  const types = [...new Set(figures.flatMap((f) => Object.keys(f.breakdown.eventTypesPerOrder)))].sort();
  const events = table(
    ['history events per order', ...names],
    types.map((type) => [type, ...figures.map((f) => fixed(f.breakdown.eventTypesPerOrder[type] ?? 0, 2))]),
  );
  const notes = [
    `machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, ${machine.os}, node ${machine.node}, ${machine.temporal}; load average (1/5/15 min) at start ${machine.loadAverage.join(' ')}, at end ${machine.loadAverageAtEnd.join(' ')}`,
    `run: ${kind === 'payout' ? 'payouts' : 'pay-ins'}, ${options.orders} orders per scenario in ${options.rounds} alternating rounds, ${options.concurrency} in flight (closed loop), ${options.warmup} warm-up orders each, naive ${milestoneName(kind)} poll every ${options.pollMs} ms`,
    ...(ceiling
      ? [`ceiling: the smallest start–signal–complete workflow (bench/ceiling-workflow.ts), started then signalled at once; its start→${milestoneName(kind)} is the start RPC's answer; throughput share goal ≥ 0.70`]
      : []),
    options.temporalAddress !== undefined
      ? `Temporal: the cluster at ${options.temporalAddress} (${
          options.serverPids.length === 0
            ? "its server's CPU is not measured: NaN above; --server-pids names its processes"
            : `server CPU: processes ${options.serverPids.join(', ')} with their children`
        })${process.env.DATABASE_URL === undefined ? '' : '; the order book on DATABASE_URL (not in the book row: a PostgreSQL named by --server-pids counts in the server row)'}`
      : `dev server: search-attribute cache ${options.saCache === 'on' ? 'on (as in production; --sa-cache=off for start-dev as shipped)' : "off (start-dev as shipped: search attributes are read from SQLite on every start, upsert and describe)"}`,
    ...(naive?.queriesPerOrder === undefined ? [] : [`naive: ${fixed(naive.queriesPerOrder, 2)} ${milestoneName(kind)} queries per order; callback receiver errors: ${naiveErrors}`]),
    ...figures.flatMap((f) => (f.failed > 0 ? [`${f.name}: ${f.failed} failed, e.g. ${f.errors.join(' | ')}`] : [])),
    ...figures.flatMap((f) =>
      f.breakdown.callbacksNotAcceptedFirstTime > 0 ? [`${f.name}: ${f.breakdown.callbacksNotAcceptedFirstTime} callbacks not accepted on the first attempt`] : [],
    ),
  ];
  return ['', main, '', steps, '', events, '', ...notes].join('\n');
}

function machineFacts(executable: string) {
  const cpuList = cpus();
  let temporal = 'temporal CLI version unknown';
  try {
    temporal = execFileSync(executable, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    // keep "unknown"
  }
  return {
    cores: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
    temporal,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    loadAverageAtEnd: [] as number[],
  };
}

/** The live children of a process (Linux; none elsewhere). */
function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8')
        .split(' ')
        .filter((p) => p.trim() !== '')
        .map(Number),
    );
  } catch {
    return [];
  }
}

/** CPU time of processes and all their live descendants (a PostgreSQL's backends are its children); NaN for none. */
function treeCpuMs(pids: readonly number[]): number {
  if (pids.length === 0) return Number.NaN;
  let total = 0;
  for (const pid of pids) {
    total += processCpuMs(pid);
    const children = childPids(pid);
    if (children.length > 0) total += treeCpuMs(children);
  }
  return total;
}

/** User + system CPU time of a process from /proc (Linux); NaN elsewhere. */
function processCpuMs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

/** The pinned CLI from `npm run temporal:install` (src's lookup is relative to dist/, not dist-bench/). */
function cliPath(): string {
  const installed = join(ROOT, '.temporal', 'pip', 'bin', 'temporal');
  return process.env.TEMPORAL_CLI_PATH === undefined && existsSync(installed) ? installed : temporalCliPath();
}

async function bundle(workflowsPath: string, workflowInterceptorModules: string[] = []): Promise<WorkflowBundle> {
  const { code } = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules, logger: new DefaultLogger('WARN') });
  return { code };
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof UsageError ? error.message : error);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
