/**
 * `npm run chaos [-- --quick] [-- --target=cluster|single]`: the reliability suite. It runs the
 * system as separate processes it owns, drives a steady mixed load through the API, injects one
 * fault after another with recovery in between, then reconciles the API's view of every order
 * with the platform's own records and checks the service's promises: no order lost, none created
 * twice, none in a state the platform contradicts; every finished order in the order book with the
 * status the API answers, and no row beyond one per order; every merchant event delivered with one
 * stable id; no 5xx but a 503 while Temporal is down. Prints a table, writes artifacts/chaos/report.json,
 * and exits non-zero on any broken invariant. Loopback only; ends by itself (≈10 min, --quick ≈3).
 */
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';
import pino from 'pino';
import { MIGRATIONS_DIR } from '../book/database';
import { delay } from '../cluster/child';
import { startSandbox, type RunningSandbox } from '../sandbox';
import { ApiDriver } from './load';
import { checkOrders, type BookSnapshot, type OrderCheck } from './reconcile';
import { NotificationReceiver } from './receiver';
import { Relay } from './relay';
import { appSettings, freshDir, startApps, startClusterBackend, startDevServerBackend, type Apps, type Target, type TemporalBackend } from './topology';
import { buildReport, printTable, type FaultRecord } from './report';

interface Options {
  quick: boolean;
  target: Target;
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { quick: false, target: 'single' };
  for (const arg of argv) {
    if (arg === '--quick') options.quick = true;
    else if (arg === '--target=single' || arg === '--target=cluster') options.target = arg.slice('--target='.length) as Target;
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: npm run chaos [-- --quick] [--target=single|cluster]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${arg} (options: --quick, --target=single|cluster)`);
  }
  return options;
}

/** The run's pace: --quick keeps every fault and shortens the calm in between and the outage. */
function pace(quick: boolean) {
  return quick
    ? { baselineMs: 10_000, calmMs: 5_000, refuseMs: 20_000, http500Ms: 10_000, ratePerS: 1.5, drainMs: 150_000, recoveryTimeoutMs: 120_000 }
    : { baselineMs: 30_000, calmMs: 40_000, refuseMs: 60_000, http500Ms: 30_000, ratePerS: 2, drainMs: 300_000, recoveryTimeoutMs: 180_000 };
}

/** The orchestrator's timeouts, shortened so fallbacks (queries, attention, expiry) happen within the run. */
const PAYOUT_ATTENTION_AFTER_MS = 30_000;
const APP_TIMEOUTS: Record<string, string> = {
  GATEWAY_HTTP_TIMEOUT: '4s',
  CREATE_WAIT: '3s',
  PAYMENT_CALLBACK_TIMEOUT: '15s',
  // Longer than the platform outage: a pay-in must learn the platform's decision, not expire first.
  PAYMENT_EXPIRY: '5m',
  PAYMENT_RESEND_WAIT: '5s',
  PAYOUT_CALLBACK_TIMEOUT: '15s',
  POLL_INTERVAL: '3s',
  POLL_INTERVAL_MAX: '10s',
  PAYOUT_ATTENTION_AFTER: `${PAYOUT_ATTENTION_AFTER_MS / 1000}s`,
  PAYOUT_NOT_FOUND_CONFIRM: '10s',
  NOTIFY_HTTP_TIMEOUT: '5s',
  WORKER_SHUTDOWN_GRACE: '10s',
};

const say = (line: string): void => {
  process.stdout.write(`chaos: ${line}\n`);
};

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const p = pace(options.quick);
  const startedAt = Date.now();
  const outDir = resolve(__dirname, '..', '..', 'artifacts', 'chaos');
  mkdirSync(outDir, { recursive: true });
  // PostgreSQL runs as its own user: its state lives where that user can reach.
  const stateDir = freshDir(join(tmpdir(), `orchestrator-chaos-${options.target}-${process.pid}`));
  const logs = join(outDir, 'logs', options.target);
  mkdirSync(logs, { recursive: true });
  say(`target ${options.target}${options.quick ? ' (quick)' : ''}; logs in ${logs}`);

  const cleanups: (() => Promise<void>)[] = [async () => rmSync(stateDir, { recursive: true, force: true })];
  const cleanup = async (): Promise<void> => {
    for (const step of cleanups.reverse()) await step().catch(() => undefined);
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  process.once('SIGTERM', () => void cleanup().then(() => process.exit(143)));

  try {
    // The platform lives in this process, behind a relay that can cut it off: its records survive every fault.
    const sandbox: RunningSandbox = await startSandbox({ port: 0, callbackScheduleMs: [0, 1000, 2000, 3000, 5000, 10_000, 20_000, 30_000, 60_000], logger: pino({ level: 'silent' }) });
    cleanups.push(() => sandbox.close());
    await sandbox.control.setPayoutChecks({ balanceBeforeMrn: true });
    const gatewayRelay = new Relay(() => [sandbox.url]);
    await gatewayRelay.listen();
    cleanups.push(() => gatewayRelay.close());

    say(options.target === 'cluster' ? 'starting PostgreSQL (Temporal and the order book) and the Temporal server' : 'starting the Temporal dev server and the embedded order book');
    const backend: TemporalBackend = options.target === 'cluster' ? await startClusterBackend(stateDir) : await startDevServerBackend(stateDir);
    cleanups.push(() => backend.stop());
    // The reconciliation reads the book directly, as finance would.
    const bookPool = new Pool({ connectionString: backend.databaseUrl, max: 2 });
    bookPool.on('error', () => undefined); // an idle connection cut by the PostgreSQL restart: the next query reconnects
    cleanups.push(() => bookPool.end());

    // The balancer the platform's callbacks reach the APIs through (PUBLIC_URL).
    const apiUrls: string[] = [];
    const balancer = new Relay(() => apiUrls);
    await balancer.listen();
    cleanups.push(() => balancer.close());
    const settings = appSettings(backend, { url: gatewayRelay.url, appKey: sandbox.appKey, secret: sandbox.secret }, balancer.url, APP_TIMEOUTS);
    const receiver = new NotificationReceiver(() => settings.env.NOTIFY_SECRET);
    await receiver.listen();
    cleanups.push(() => receiver.close());

    say('starting 2 API and 2 worker processes');
    // A copy of the build next to the project (so node_modules resolve): restarts run the same code.
    const dist = join(outDir, `dist-${options.target}`);
    rmSync(dist, { recursive: true, force: true });
    cpSync(resolve(__dirname, '..'), dist, { recursive: true });
    // The migrations go with it: a build reads them two levels above its book module (src/book/database.ts).
    rmSync(join(outDir, 'migrations'), { recursive: true, force: true });
    cpSync(MIGRATIONS_DIR, join(outDir, 'migrations'), { recursive: true });
    const running: Apps = await startApps(settings, { apis: 2, workers: 2 }, logs, dist);
    apiUrls.push(...running.apiUrls);
    cleanups.push(() => running.stop());

    const driver = new ApiDriver(running.apiUrls, settings.apiToken, sandbox.control, receiver.url);
    const faults: FaultRecord[] = [];
    /** Windows in which Temporal is down (or its database is): a 503 there is the documented answer. */
    const temporalDown: { from: number; to: number }[] = [];

    // ---- the load: a steady stream of orders, the settler, the tracker -------------------------
    let loading = true;
    let stopBackground = false;
    const outstanding = new Set<Promise<unknown>>();
    const loadLoop = (async () => {
      while (loading) {
        if (outstanding.size < 40) {
          const started = driver.startOrder().catch(() => undefined);
          outstanding.add(started);
          void started.finally(() => outstanding.delete(started));
        }
        await delay(1000 / p.ratePerS);
      }
    })();
    const settleLoop = (async () => {
      while (!stopBackground) {
        await driver.settleDue().catch(() => undefined);
        await delay(200);
      }
    })();
    const trackLoop = (async () => {
      while (!stopBackground) {
        await driver.track(6).catch(() => undefined);
        await delay(1000);
      }
    })();

    const phase = async (name: string, inject: () => Promise<number>, after?: () => Promise<void>): Promise<void> => {
      driver.phase = name;
      const inFlight = driver.inFlight();
      const from = Date.now();
      say(`fault: ${name} (${inFlight} orders in flight)`);
      const recoveryFrom = await inject();
      const recovered = await driver.canary(p.recoveryTimeoutMs);
      await after?.();
      const recoverySeconds = recovered === undefined ? null : Math.max(0, (recovered - recoveryFrom) / 1000);
      say(`  recovered in ${recoverySeconds === null ? 'NEVER' : `${recoverySeconds.toFixed(1)} s`}`);
      faults.push({ fault: name, startedAt: from, endedAt: 0, inFlight, recoverySeconds });
      await delay(p.calmMs);
      faults[faults.length - 1].endedAt = Date.now();
    };

    driver.phase = 'baseline';
    const baselineFrom = Date.now();
    await delay(p.baselineMs);
    faults.push({ fault: 'baseline', startedAt: baselineFrom, endedAt: Date.now(), inFlight: 0, recoverySeconds: null });

    await phase('SIGKILL one worker', async () => {
      await running.workers[0].kill();
      const at = Date.now();
      await delay(1000); // as the cluster's supervisor: start it again a second later
      running.workers[0].restart();
      await running.workers[0].untilHealthy();
      return at;
    });
    await phase('SIGKILL one API process', async () => {
      await running.apis[0].kill();
      const at = Date.now();
      await delay(1000);
      running.apis[0].restart();
      await running.apis[0].untilHealthy();
      return at;
    });
    await phase('rolling restart of all workers', async () => {
      const at = Date.now();
      for (const worker of running.workers) {
        await worker.stop();
        worker.restart();
        await worker.untilHealthy();
      }
      return at;
    });
    const downFrom = Date.now();
    await phase(
      options.target === 'cluster' ? 'SIGKILL Temporal server + restart' : 'SIGKILL dev server + restart (same db file)',
      async () => {
        const at = Date.now();
        await backend.killAndRestart();
        return at;
      },
      async () => {
        temporalDown.push({ from: downFrom, to: Date.now() + 10_000 });
      },
    );
    if (backend.restartDatabase !== undefined) {
      const restartDatabase = backend.restartDatabase.bind(backend);
      const dbFrom = Date.now();
      await phase(
        'restart PostgreSQL',
        async () => {
          const at = Date.now();
          await restartDatabase();
          return at;
        },
        async () => {
          temporalDown.push({ from: dbFrom, to: Date.now() + 10_000 });
        },
      );
    }
    await phase(`platform outage (${p.refuseMs / 1000} s refused, ${p.http500Ms / 1000} s HTTP 500)`, async () => {
      await gatewayRelay.refuse();
      await delay(p.refuseMs);
      await gatewayRelay.reopen('http500');
      await delay(p.http500Ms);
      gatewayRelay.setMode('pass');
      return Date.now();
    });
    // From here on no never-deciding order: the last ones get their needsAttention during the drain.
    driver.noNeverDeciding = true;
    await phase(
      'callback storm (10 copies) + callbacks before the create answer',
      async () => {
        await sandbox.control.setDefaultCallbackRule({ duplicates: 9 });
        driver.forceScenario = 'callback-before-answer';
        return Date.now();
      },
      async () => {
        await delay(p.calmMs / 2);
      },
    );
    driver.forceScenario = undefined;
    await sandbox.control.setDefaultCallbackRule({});

    // ---- drain: no new orders; let every order settle (bounded), then reconcile ------------------
    driver.phase = 'drain';
    loading = false;
    await loadLoop;
    await Promise.all([...outstanding]);
    say(`load stopped (${driver.orders.size} orders); waiting for orders to settle (at most ${p.drainMs / 1000} s)`);
    const drainUntil = Date.now() + p.drainMs;
    // Never-deciding payouts must have had the time to get their needsAttention.
    const lastPost = Math.max(0, ...[...driver.orders.values()].filter((o) => o.plan === 'keep').map((o) => o.postedAt));
    let checks: OrderCheck[] = [];
    let book: BookSnapshot | undefined;
    for (;;) {
      ({ checks, book } = await checkOrders(driver, sandbox.control, receiver, PAYOUT_ATTENTION_AFTER_MS, bookPool));
      const open = checks.filter((c) => c.verdict !== 'ok' || c.notified === false || c.eventIds > 1 || c.bookProblem !== undefined);
      const attentionDue = Date.now() >= lastPost + PAYOUT_ATTENTION_AFTER_MS + 10_000;
      if ((open.length === 0 && attentionDue) || Date.now() > drainUntil) break;
      say(`  ${open.length} orders not yet as expected; checking again`);
      await delay(10_000);
    }
    stopBackground = true;
    await Promise.all([settleLoop, trackLoop]);

    const report = buildReport({
      target: options.target,
      quick: options.quick,
      startedAt,
      faults,
      checks,
      answers: driver.answers,
      temporalDown,
      receiver,
      deliveries: await sandbox.control.deliveries(),
      book,
    });
    // report.json is the latest run; the copy named after target and mode keeps each kind's latest.
    writeFileSync(join(outDir, 'report.json'), JSON.stringify(report, null, 2));
    writeFileSync(join(outDir, `report-${options.target}-${report.mode}.json`), JSON.stringify(report, null, 2));
    printTable(report);
    say(`report: ${join(outDir, 'report.json')}`);
    await cleanup();
    cleanups.length = 0;
    process.exit(report.passed ? 0 : 1);
  } catch (error) {
    process.stderr.write(`chaos: ${(error as Error).stack ?? String(error)}\n`);
    await cleanup();
    process.exit(2);
  }
}

void main();
