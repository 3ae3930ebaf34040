import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export interface ChildSpec {
  /** Short name for messages and the log file (`postgres`, `api-1`, …). */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this user (uid/gid), e.g. PostgreSQL's own user when we are root. */
  user?: { uid: number; gid: number };
  /** stdout and stderr are appended to this file. */
  logFile: string;
  /** Signal of an orderly stop (PostgreSQL: SIGINT = fast shutdown). Default SIGTERM. */
  stopSignal?: NodeJS.Signals;
  /** How long stop() waits for an orderly exit before SIGKILL. Default 15 s. */
  stopGraceMs?: number;
}

/** A child process of the cluster, its output in a log file; stop() is orderly and idempotent. */
export class Child {
  readonly process: ChildProcess;
  private exited: Promise<void>;
  private stopping = false;

  constructor(readonly spec: ChildSpec) {
    const log = openSync(spec.logFile, 'a');
    try {
      this.process = spawn(spec.command, spec.args, {
        env: spec.env ?? process.env,
        cwd: spec.cwd,
        stdio: ['ignore', log, log],
        // A process group of its own: Ctrl-C in the terminal reaches only the supervisor, which
        // then stops every part in order (rather than all at once, with restarts in between).
        detached: true,
        ...(spec.user === undefined ? {} : { uid: spec.user.uid, gid: spec.user.gid }),
      });
    } finally {
      closeSync(log);
    }
    this.exited = new Promise((resolveExit) => this.process.once('close', () => resolveExit()));
    this.process.on('error', () => undefined); // reported through exitDescription()
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null && this.process.pid !== undefined;
  }

  /** Whether stop() was called (an exit after it is expected). */
  get stopRequested(): boolean {
    return this.stopping;
  }

  /** "exited with code 1" / "killed by SIGKILL", with the last lines of its log. */
  exitDescription(): string {
    const how = this.process.signalCode !== null ? `killed by ${this.process.signalCode}` : `exited with code ${this.process.exitCode}`;
    return `${this.spec.name} ${how}${logTail(this.spec.logFile)}`;
  }

  onExit(listener: () => void): void {
    void this.exited.then(listener);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (!this.running) return this.exited;
    this.process.kill(this.spec.stopSignal ?? 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const killed = await Promise.race([
      this.exited.then(() => false),
      new Promise<boolean>((resolveTimeout) => {
        timer = setTimeout(() => resolveTimeout(true), this.spec.stopGraceMs ?? 15_000);
      }),
    ]);
    clearTimeout(timer);
    if (killed) {
      this.process.kill('SIGKILL');
      await this.exited;
    }
  }
}

/** The last lines of a log file, indented, for an error message. */
export function logTail(file: string, lines = 25): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd();
    if (text === '') return '';
    const tail = text
      .split('\n')
      .slice(-lines)
      .map((line) => (line.length > 400 ? `${line.slice(0, 400)}…` : line));
    return `\n  last lines of ${file}:\n    ${tail.join('\n    ')}`;
  } catch {
    return '';
  }
}

/** Polls `probe` until it resolves true; fails when `child` dies or time runs out. */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number, child?: Child): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    if (child !== undefined && !child.running) throw new Error(`${what}: ${child.exitDescription()}`);
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = `: ${(error as Error).message}`;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not ready within ${Math.round(timeoutMs / 1000)} s${lastError}${child === undefined ? '' : logTail(child.spec.logFile)}`);
    }
    await delay(250);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolveDelay) => setTimeout(resolveDelay, ms));
}

/** GET url and tell whether it answered 2xx (2 s timeout). */
export async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await response.arrayBuffer();
  return response.ok;
}
