/**
 * A dev server must not outlive the process that started it: after `kill -9` of `npm start`, an
 * orphaned server kept ports 7233/8233 and its database, and the next `npm start` refused to start.
 * Two guards:
 *   - a watchdog process per server kills the server as soon as its parent is gone (a SIGKILLed
 *     parent runs no exit handler, and the server only dies of SIGPIPE once it next writes a log line);
 *   - a pid file next to the database lets the next start stop a server an earlier run left behind
 *     on the same database (e.g. when the watchdog was killed along with its parent).
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

interface PidFile {
  pid: number;
  dbFilename: string;
}

const pidFileOf = (dbFilename: string): string => `${resolve(dbFilename)}.server.json`;

export function writeServerPidFile(dbFilename: string, pid: number): void {
  const record: PidFile = { pid, dbFilename: resolve(dbFilename) };
  writeFileSync(pidFileOf(dbFilename), `${JSON.stringify(record)}\n`);
}

export function removeServerPidFile(dbFilename: string): void {
  rmSync(pidFileOf(dbFilename), { force: true });
}

/**
 * Stops a server an earlier run left on this database, if one is still running. Only a process whose
 * command line names this very database file is touched (a recycled pid is left alone).
 * Resolves with the stopped pid, or undefined when there was none.
 */
export async function stopLeftoverServer(dbFilename: string, graceMs = 10_000): Promise<number | undefined> {
  let record: PidFile;
  try {
    record = JSON.parse(readFileSync(pidFileOf(dbFilename), 'utf8')) as PidFile;
  } catch {
    return undefined;
  }
  const { pid } = record;
  if (!Number.isInteger(pid) || pid <= 1 || !isProcessAlive(pid) || !commandLineOf(pid).includes(resolve(dbFilename))) {
    removeServerPidFile(dbFilename);
    return undefined;
  }
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isProcessAlive(pid) && Date.now() < deadline) await delay(100);
  if (isProcessAlive(pid)) {
    signal(pid, 'SIGKILL');
    while (isProcessAlive(pid)) await delay(50);
  }
  removeServerPidFile(dbFilename);
  return pid;
}

/**
 * Starts a small detached-from-nothing watchdog: it polls every 500 ms whether this process is still
 * its parent, and when it is not (the parent died, the watchdog was re-parented), SIGTERMs the server,
 * SIGKILLs it 5 s later if needed, and exits. It also exits once the server is gone. It holds no pipe
 * to this process, so it never keeps this process's event loop alive.
 */
export function startServerWatchdog(serverPid: number): { pid: number | undefined; stop(): void } {
  const script = `
    const [parent, server] = process.argv.slice(1).map(Number);
    const fs = require('node:fs');
    const alive = (pid) => {
      try { const stat = fs.readFileSync('/proc/' + pid + '/stat', 'utf8'); return !'ZX'.includes(stat.charAt(stat.lastIndexOf(')') + 2)); } catch {}
      try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
    };
    const timer = setInterval(() => {
      if (!alive(server)) process.exit(0);
      if (process.ppid === parent && alive(parent)) return;
      clearInterval(timer);
      try { process.kill(server, 'SIGTERM'); } catch {}
      const started = Date.now();
      setInterval(() => {
        if (!alive(server)) process.exit(0);
        if (Date.now() - started > 5000) { try { process.kill(server, 'SIGKILL'); } catch {} process.exit(0); }
      }, 100);
    }, 500);
  `;
  const watchdog = spawn(process.execPath, ['-e', script, String(process.pid), String(serverPid)], { stdio: 'ignore' });
  watchdog.on('error', () => undefined); // without a watchdog the pid file still guards the next start
  watchdog.unref();
  return {
    pid: watchdog.pid,
    stop: () => {
      if (watchdog.exitCode === null && watchdog.signalCode === null) watchdog.kill('SIGKILL');
    },
  };
}

/**
 * Whether a process runs. A zombie (exited, not yet reaped: an orphan's new parent may never reap
 * it) counts as gone. Linux's /proc tells; elsewhere signal 0 does.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.charAt(stat.lastIndexOf(')') + 2);
    return state !== 'Z' && state !== 'X';
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
}

function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // gone meanwhile
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolveDelay) => setTimeout(resolveDelay, ms));
}
