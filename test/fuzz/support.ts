/**
 * What the fuzz tests share: the API as `npm run start:api` builds it (real Temporal client on the
 * run's dev server, no worker) over loopback HTTP, a bad request's shape, and the checks
 * every answer to a bad request must pass.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { Pool } from 'undici';
import { startTestApi, type TestApi } from '../helpers/api';
import { devServerClient, devServerNamespace, uniqueName } from '../helpers/temporal';

/** One generated request that must be refused. */
export interface BadRequest {
  /** `POST /v1/payments`: the route it aims at (coverage is counted per route and defect). */
  route: string;
  /** What is wrong with it, in a few words: `amount: negative`, `auth: no header`. */
  defect: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  url: string;
  headers: Record<string, string>;
  body?: string;
  /**
   * The answer needs one Temporal round trip (is there such an order?): allowed ROUND_TRIP_MS rather
   * than SLOW_MS. Still no wait: a worker that never comes or a retried RPC takes far longer.
   */
  oneRoundTrip?: true;
  expect: {
    /** The status, when the defect decides it; any 4xx otherwise. */
    status?: number;
    /** What the message must say (e.g. name the field); checked on every 4xx body. */
    mentions?: RegExp;
    /** json: `{ error, message }`; platform: `fail: <reason>` text; page: text for the payer's browser. */
    format: 'json' | 'platform' | 'page';
  };
}

/**
 * A request that is not wrong but odd (an unknown order, an extreme but valid filter): it may be
 * answered 2xx or 4xx, never 5xx, never slowly, and never changes anything.
 */
export type OddRequest = Omit<BadRequest, 'expect'> & { odd: true };

export type FuzzRequest = BadRequest | OddRequest;

export interface Answer {
  status: number;
  contentType: string;
  text: string;
  ms: number;
}

/**
 * A Temporal call that waits (a worker that never comes, a retried RPC) takes seconds; a refusal takes
 * a few ms — on a loaded 2-core CI machine, up to some hundreds.
 */
export const SLOW_MS = 1_000;
/** One plain Temporal round trip ("no such workflow"), on the same loaded machine. */
export const ROUND_TRIP_MS = 3_000;
/** Longer than any answer that did not wait on something: past this, the request is reported as hanging. */
export const HANG_MS = 5_000;

/** Secrets the generators sign callbacks and checkout links with (fresh per run). */
export interface FuzzSecrets {
  apiToken: string;
  operatorToken: string;
  appKey: string;
  gatewaySecret: string;
  codecKeyId: string;
  /** The Temporal namespace the codec server answers for. */
  namespace: string;
}

export interface FuzzApi {
  api: TestApi;
  secrets: FuzzSecrets;
  taskQueue: string;
  client: Client;
  /** The answer, or 'hung' when there was none within HANG_MS. */
  send(request: FuzzRequest): Promise<Answer | 'hung'>;
  close(): Promise<void>;
}

export async function startFuzzApi(): Promise<FuzzApi> {
  const taskQueue = uniqueName('fuzz');
  const appKey = `mch-fuzz-${randomBytes(3).toString('hex')}`;
  const gatewaySecret = randomBytes(18).toString('base64url');
  const codecKeyId = 'fuzz-1';
  const api = await startTestApi({
    TEMPORAL_TASK_QUEUE: taskQueue,
    GATEWAY_APP_KEY: appKey,
    GATEWAY_SECRET: gatewaySecret,
    CODEC_KEYS: `${codecKeyId}:${randomBytes(32).toString('base64')}`,
  });
  // Real HTTP over one keep-alive connection: Fastify's inject needs an ESM-only module Jest cannot load.
  const http = new Pool(api.url, { connections: 1, pipelining: 1 });
  const send = async (request: FuzzRequest): Promise<Answer | 'hung'> => {
    const started = performance.now();
    const signal = AbortSignal.timeout(HANG_MS);
    try {
      const response = await http.request({ method: request.method, path: request.url, headers: request.headers, body: request.body, signal });
      const text = await response.body.text();
      const ms = performance.now() - started;
      return { status: response.statusCode, contentType: String(response.headers['content-type'] ?? ''), text, ms };
    } catch (error) {
      if (signal.aborted) return 'hung';
      throw error;
    }
  };
  const client = await devServerClient();
  return {
    api,
    secrets: { apiToken: api.apiToken, operatorToken: api.operatorToken, appKey, gatewaySecret, codecKeyId, namespace: devServerNamespace() },
    taskQueue,
    client,
    send,
    async close() {
      await http.close();
      await client.connection.close();
      await api.close();
    },
  };
}

/** Workflows started on the API's task queue so far: every order and recorded callback starts one there. */
export async function workflowsStartedOn(client: Client, taskQueue: string): Promise<number> {
  return (await client.workflow.count(`TaskQueue = "${taskQueue}"`)).count;
}

/** What is wrong with `answer` to a bad (or odd) request, or undefined when it is as it must be. */
export function problemWith(request: FuzzRequest, answer: Answer): string | undefined {
  if (answer.status >= 500) return `answered ${answer.status} (server error): ${answer.text.slice(0, 300)}`;
  if ('odd' in request) return answer.status < 400 ? undefined : errorBodyProblem(answer, 'json', undefined, true);
  if (answer.status < 400) return `a bad request was accepted with ${answer.status}: ${answer.text.slice(0, 300)}`;
  if (request.expect.status !== undefined && answer.status !== request.expect.status) {
    return `answered ${answer.status}, expected ${request.expect.status}: ${answer.text.slice(0, 300)}`;
  }
  return errorBodyProblem(answer, request.expect.format, request.expect.mentions, false);
}

function errorBodyProblem(answer: Answer, format: BadRequest['expect']['format'], mentions: RegExp | undefined, anyFormat: boolean): string | undefined {
  const json = jsonError(answer);
  let message: string;
  if (json !== undefined) {
    if (format === 'platform') return `answered a JSON error where ${format} text was expected: ${answer.text.slice(0, 300)}`;
    message = json.message;
  } else if (format === 'platform' && answer.contentType.startsWith('text/plain') && /^fail: \S/.test(answer.text)) {
    message = answer.text.slice('fail: '.length);
  } else if ((format === 'page' || anyFormat) && answer.contentType.startsWith('text/') && answer.text.trim() !== '') {
    message = answer.text;
  } else {
    return `the ${answer.status} does not say what is wrong (content-type ${answer.contentType || 'none'}): ${JSON.stringify(answer.text.slice(0, 300))}`;
  }
  if (mentions !== undefined && !mentions.test(message)) return `the ${answer.status} message does not say what is wrong (expected ${mentions}): ${JSON.stringify(message.slice(0, 300))}`;
  return undefined;
}

function jsonError(answer: Answer): { error: string; message: string } | undefined {
  if (!answer.contentType.startsWith('application/json')) return undefined;
  try {
    const body = JSON.parse(answer.text) as { error?: unknown; message?: unknown };
    if (typeof body.error === 'string' && body.error !== '' && typeof body.message === 'string' && body.message.trim() !== '') {
      return { error: body.error, message: body.message };
    }
  } catch {
    // not JSON after all
  }
  return undefined;
}

