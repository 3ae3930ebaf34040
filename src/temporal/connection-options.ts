/**
 * How every process of ours connects to Temporal — the API's client, the worker's native
 * connection, the bench, the cluster set-up — in one place: plain on a private network, mTLS on a
 * secured cluster, an API key (with TLS) on Temporal Cloud.
 *
 *   TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY   client certificate and key (PEM files) for mTLS; both or neither
 *   TEMPORAL_TLS_CA                       CA of the server's certificate (PEM file); default: the system's CAs
 *   TEMPORAL_TLS_SERVER_NAME              name to verify the server's certificate against (default: the address's host)
 *   TEMPORAL_TLS                          `true` for TLS without any of the above (e.g. a public CA)
 *   TEMPORAL_API_KEY                      API key (Temporal Cloud); implies TLS
 */
import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';

/** Options both `Connection.connect` (client) and `NativeConnection.connect` (worker) accept. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
}

export class TemporalConnectionConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid Temporal connection configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'TemporalConnectionConfigError';
  }
}

/** How a connection is secured (TLS, API key), whatever the address: what the configuration keeps. */
export type TemporalConnectionSecurity = Omit<TemporalConnectionOptions, 'address'>;

/** Reads the TLS / API-key variables; throws naming every problem (unreadable file, half a key pair). */
export function temporalConnectionOptions(env: NodeJS.ProcessEnv, address: string): TemporalConnectionOptions {
  const { security, problems } = readTemporalConnectionSecurity(env);
  if (problems.length > 0) throw new TemporalConnectionConfigError(problems);
  return { address, ...security };
}

/** The TLS / API-key variables, or every problem with them (loadConfig adds them to its own). */
export function readTemporalConnectionSecurity(env: NodeJS.ProcessEnv): { security: TemporalConnectionSecurity; problems: string[] } {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const problems: string[] = [];
  const file = (name: string): Buffer | undefined => {
    const path = read(name);
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      problems.push(`${name}=${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      return undefined;
    }
  };
  const cert = file('TEMPORAL_TLS_CERT');
  const key = file('TEMPORAL_TLS_KEY');
  const ca = file('TEMPORAL_TLS_CA');
  const serverName = read('TEMPORAL_TLS_SERVER_NAME');
  const apiKey = read('TEMPORAL_API_KEY');
  const tlsFlag = read('TEMPORAL_TLS');
  if ((read('TEMPORAL_TLS_CERT') === undefined) !== (read('TEMPORAL_TLS_KEY') === undefined)) {
    problems.push('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together (client certificate and its key)');
  }
  if (tlsFlag !== undefined && tlsFlag !== 'true' && tlsFlag !== 'false') problems.push(`TEMPORAL_TLS="${tlsFlag}" is not true or false`);
  if (tlsFlag === 'false' && (cert !== undefined || ca !== undefined || serverName !== undefined || apiKey !== undefined)) {
    problems.push('TEMPORAL_TLS=false contradicts TEMPORAL_TLS_* / TEMPORAL_API_KEY (an API key is only sent over TLS)');
  }
  if (problems.length > 0) return { security: {}, problems };

  const tls: TLSConfig = {
    ...(ca === undefined ? {} : { serverRootCACertificate: ca }),
    ...(serverName === undefined ? {} : { serverNameOverride: serverName }),
    ...(cert !== undefined && key !== undefined ? { clientCertPair: { crt: cert, key } } : {}),
  };
  const wantsTls = tlsFlag === 'true' || apiKey !== undefined || Object.keys(tls).length > 0;
  return {
    security: {
      ...(wantsTls ? { tls } : {}),
      ...(apiKey === undefined ? {} : { apiKey }),
    },
    problems: [],
  };
}

/** For logs: how the connection is secured, without any secret. */
export function describeConnection(options: TemporalConnectionOptions): string {
  if (options.tls === undefined) return 'plaintext';
  const tls = typeof options.tls === 'object' ? options.tls : {};
  const parts = [tls.clientCertPair !== undefined ? 'mTLS' : 'TLS'];
  if (options.apiKey !== undefined) parts.push('API key');
  return parts.join(' + ');
}
