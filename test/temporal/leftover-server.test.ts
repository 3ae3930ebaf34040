/**
 * After `kill -9` of the process that started a dev server, the server must not keep the ports and
 * the database: its watchdog stops it, and when the watchdog died too, the next start on the same
 * database stops the leftover itself. The starter runs in a child process (so it can be SIGKILLed),
 * from the build output: `npm test` builds before jest.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { findFreePort, isListening, startDevServer } from '../../src/temporal/dev-server';
import { temporalCliPath } from '../../src/temporal/binaries';
import { isProcessAlive, writeServerPidFile } from '../../src/temporal/leftover-server';

const built = resolve(__dirname, '../../dist/temporal/dev-server.js');
let stateDir: string;

beforeAll(() => {
  if (!existsSync(built)) throw new Error(`${built} is missing: run npm run build first (npm test does)`);
  stateDir = mkdtempSync(join(tmpdir(), 'leftover-server-test-'));
});

afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

interface Started {
  starter: ReturnType<typeof spawn>;
  serverPid: number;
  watchdogPid: number;
}

/** Starts a dev server from a child Node process and resolves with the pids once it is ready. */
function startInChild(port: number, dbFilename: string): Promise<Started> {
  const script = `
    require(${JSON.stringify(built)})
      .startDevServer({ port: ${port}, headless: true, dbFilename: ${JSON.stringify(dbFilename)}, executable: ${JSON.stringify(temporalCliPath())} })
      .then((s) => console.log('READY ' + s.process.pid + ' ' + s.watchdogPid), (e) => { console.error(e); process.exit(1); });
    setInterval(() => {}, 1000);
  `;
  const starter = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolveStarted, reject) => {
    let output = '';
    starter.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    starter.stdout.on('data', (chunk: Buffer) => {
      const match = /READY (\d+) (\d+)/.exec(chunk.toString());
      if (match !== null) resolveStarted({ starter, serverPid: Number(match[1]), watchdogPid: Number(match[2]) });
    });
    starter.once('exit', (code) => reject(new Error(`starter exited (${code}) before the server was ready: ${output}`)));
  });
}

const alive = isProcessAlive;

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
}

test('a dev server whose starter is killed with SIGKILL stops within seconds and frees its port', async () => {
  const port = await findFreePort();
  const { starter, serverPid } = await startInChild(port, join(stateDir, 'a', 'temporal.sqlite'));
  expect(await isListening('127.0.0.1', port)).toBe(true);

  starter.kill('SIGKILL');

  await waitFor('the orphaned server to exit', () => !alive(serverPid), 15_000);
  await waitFor('its port to be free', async () => !(await isListening('127.0.0.1', port)), 5_000);
});

test('the next start on the same database stops a server an earlier run left behind, and starts', async () => {
  const port = await findFreePort();
  const dbFilename = join(stateDir, 'b', 'temporal.sqlite');
  mkdirSync(dirname(dbFilename), { recursive: true });
  // The leftover: a server with nobody watching it (no pipes, no watchdog), as a killed run leaves it.
  const leftover = spawn(temporalCliPath(), ['server', 'start-dev', '--headless', '--port', String(port), '--db-filename', dbFilename], {
    stdio: 'ignore',
    detached: true,
  });
  leftover.unref();
  const serverPid = leftover.pid as number;
  writeServerPidFile(dbFilename, serverPid);
  await waitFor('the leftover server to listen', () => isListening('127.0.0.1', port), 30_000);

  const stopped: number[] = [];
  const next = await startDevServer({ port, headless: true, dbFilename, onLeftoverStopped: (pid) => stopped.push(pid) });
  try {
    expect(stopped).toEqual([serverPid]);
    expect(alive(serverPid)).toBe(false);
    expect(await isListening('127.0.0.1', port)).toBe(true);
  } finally {
    await next.stop();
  }
});

test('a pid file naming a process that is not the server of this database is ignored', async () => {
  const dbFilename = join(stateDir, 'c', 'temporal.sqlite');
  mkdirSync(dirname(dbFilename), { recursive: true });
  writeServerPidFile(dbFilename, process.pid); // a live process, but not a Temporal server on this file
  const next = await startDevServer({ port: await findFreePort(), headless: true, dbFilename });
  await next.stop();
  expect(alive(process.pid)).toBe(true);
});
