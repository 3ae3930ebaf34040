import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayClient, verify, type MessageKind } from '../../src/gateway';
import { generateSecret, startSandbox, type RunningSandbox, type StartSandboxOptions } from '../../src/sandbox';

/** Callback retries in tens of milliseconds: the suite exercises the whole schedule quickly. */
export const FAST_SCHEDULE_MS = [0, 25, 25, 25, 25];

export interface TestSandbox extends RunningSandbox {
  gateway: GatewayClient;
  /** A merchant client with its own timeout (for the ambiguous-create and hang scenarios). */
  gatewayWithTimeout(timeoutMs: number): GatewayClient;
}

export async function startTestSandbox(options: StartSandboxOptions = {}): Promise<TestSandbox> {
  const sandbox = await startSandbox({
    appKey: `merchant-${randomUUID().slice(0, 8)}`,
    secret: generateSecret(),
    callbackScheduleMs: FAST_SCHEDULE_MS,
    callbackTimeoutMs: 1000,
    logLevel: 'silent',
    ...options,
  });
  const clients: GatewayClient[] = [];
  const makeClient = (timeoutMs: number) => {
    const client = new GatewayClient({ baseUrl: sandbox.url, appKey: sandbox.appKey, secret: sandbox.secret, timeoutMs });
    clients.push(client);
    return client;
  };
  const gateway = makeClient(3000);
  return {
    ...sandbox,
    gateway,
    gatewayWithTimeout: makeClient,
    async close() {
      // The sandbox first: it releases any request a client is still waiting on.
      await sandbox.close();
      await Promise.all(clients.map((c) => c.close()));
    },
  };
}

export interface ReceivedCallback {
  path: string;
  contentType: string | undefined;
  raw: string;
  fields: Record<string, string>;
  /** Whether the signature verified with the receiver's secret (when it has one). */
  signatureValid: boolean | undefined;
}

interface Answer {
  status: number;
  body: string;
}

/**
 * A merchant's callback endpoint on loopback: records every callback and answers from a script
 * (then 200 `success`). With a secret it verifies signatures as a merchant must, answering 400
 * to a wrong one.
 */
export class CallbackReceiver {
  readonly received: ReceivedCallback[] = [];
  private script: Answer[] = [];
  private server: Server | undefined;
  private base = '';

  constructor(private readonly secret?: string) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  url(path = '/callback'): string {
    return `${this.base}${path}`;
  }

  /** The next answers, in order; after them, 200 `success`. */
  answerNext(...answers: Answer[]): void {
    this.script.push(...answers);
  }

  forPath(path: string): ReceivedCallback[] {
    return this.received.filter((r) => r.path === path);
  }

  // Generous: on a loaded 2-core CI machine a first delivery can take seconds.
  async waitFor(count: number, timeoutMs = 15_000): Promise<ReceivedCallback[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} callbacks, got ${this.received.length}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.received;
  }

  reset(): void {
    this.received.length = 0;
    this.script = [];
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const fields = Object.fromEntries(new URLSearchParams(raw));
      const path = (req.url ?? '/').split('?')[0];
      const kind: MessageKind = path.includes('payout') ? 'payout.callback' : 'payment.callback';
      const signatureValid = this.secret === undefined ? undefined : verify(kind, fields, this.secret).ok;
      this.received.push({ path, contentType: req.headers['content-type'], raw, fields, signatureValid });
      const answer = signatureValid === false ? { status: 400, body: 'sign_error' } : (this.script.shift() ?? { status: 200, body: 'success' });
      res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body);
    });
  }
}

/** Jest's asymmetric matchers are typed `any`; these name what they stand for. */
export const matching = (pattern: RegExp): string => expect.stringMatching(pattern) as string;
export const anyString = (): string => expect.any(String) as string;

/**
 * One sandbox and one merchant callback receiver for a describe block: started once, reset before
 * each test, closed after the block. `use` hands them to the block's variables.
 */
export function useSandboxWithReceiver(use: (sandbox: TestSandbox, receiver: CallbackReceiver) => void): void {
  let sandbox: TestSandbox | undefined;
  let receiver: CallbackReceiver | undefined;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
    receiver = await new CallbackReceiver(sandbox.secret).start();
    use(sandbox, receiver);
  });
  afterAll(async () => {
    await sandbox?.close();
    await receiver?.close();
  });
  beforeEach(async () => {
    await sandbox?.control.reset();
    receiver?.reset();
  });
}
