import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Fen } from '../gateway';
import { buildSandboxApp } from './app';
import { SandboxControl } from './control-client';
import type { MerchantConfig } from './ledger';
import type { SandboxOptions } from './options';

/** One million yuan: enough that no demo or benchmark runs out of money by accident. */
export const DEFAULT_BALANCE_FEN: Fen = 1_000_000 * 100;

export interface StartSandboxOptions extends Omit<SandboxOptions, 'merchants'> {
  /** Default 0: any free port (the standalone `npm run sandbox` uses 4000). */
  port?: number;
  /** Default 127.0.0.1: the sandbox has no authentication, keep it on loopback unless you mean it. */
  host?: string;
  /** The merchants; when unset, one merchant from appKey / secret / balanceFen. */
  merchants?: readonly MerchantConfig[];
  /** The single merchant's credentials; generated when unset. */
  appKey?: string;
  secret?: string;
  balanceFen?: Fen;
}

export interface RunningSandbox {
  /** Base URL of the platform (what a merchant configures as the gateway URL). */
  url: string;
  /** The first merchant's credentials. */
  appKey: string;
  secret: string;
  merchants: readonly MerchantConfig[];
  control: SandboxControl;
  app: FastifyInstance;
  close(): Promise<void>;
}

export function generateAppKey(): string {
  return `sbx_${randomBytes(8).toString('hex')}`;
}

export function generateSecret(): string {
  return randomBytes(24).toString('base64url');
}

/** Builds the sandbox, listens, and hands back its address, credentials and a control client. */
export async function startSandbox(options: StartSandboxOptions = {}): Promise<RunningSandbox> {
  const { port = 0, host = '127.0.0.1', appKey, secret, balanceFen, ...rest } = options;
  const merchants: readonly MerchantConfig[] = options.merchants ?? [
    { appKey: appKey ?? generateAppKey(), secret: secret ?? generateSecret(), balanceFen: balanceFen ?? DEFAULT_BALANCE_FEN },
  ];
  const app = buildSandboxApp({ ...rest, merchants });
  let localUrl: string;
  try {
    await app.listen({ port, host });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('the sandbox is not listening on TCP');
    localUrl = `http://${reachableHost(address.address, address.family)}:${address.port}`;
  } catch (error) {
    await app.close();
    throw error;
  }
  // Merchants are told the public address; the control client talks to the listener directly.
  const url = options.publicUrl?.replace(/\/+$/, '') ?? localUrl;
  const control = new SandboxControl(localUrl);
  return {
    url,
    appKey: merchants[0].appKey,
    secret: merchants[0].secret,
    merchants,
    control,
    app,
    async close() {
      await control.close();
      await app.close();
    },
  };
}

/** An address this machine can connect to: "listen on all interfaces" is reached through loopback. */
function reachableHost(address: string, family: string): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (family === 'IPv6') return address === '::' ? '[::1]' : `[${address}]`;
  return address;
}
