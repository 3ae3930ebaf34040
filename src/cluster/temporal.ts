import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { ensureSearchAttributes, findFreePort, isPortFree, type SearchAttributeTypeName } from '../temporal/dev-server';
import { PROJECT_ROOT } from '../temporal/binaries';
import { Child, httpOk, waitFor } from './child';
import type { DatabaseEndpoint } from './postgres';

/** deploy/temporal/versions.env: the pinned versions shared with docker-compose.yml. */
export interface PinnedVersions {
  TEMPORAL_SERVER_VERSION: string;
  TEMPORAL_UI_VERSION: string;
  POSTGRESQL_VERSION: string;
}

export const VERSIONS_FILE = join(PROJECT_ROOT, 'deploy', 'temporal', 'versions.env');
export const DYNAMIC_CONFIG_FILE = join(PROJECT_ROOT, 'deploy', 'temporal', 'dynamicconfig.yaml');
/** History shards of the cluster: fixed when its databases are created (docker-compose.yml uses the same count). */
export const HISTORY_SHARDS = 16;

export function pinnedVersions(file = VERSIONS_FILE): PinnedVersions {
  const values: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) values[match[1]] = match[2];
  }
  for (const key of ['TEMPORAL_SERVER_VERSION', 'TEMPORAL_UI_VERSION', 'POSTGRESQL_VERSION']) {
    if (!values[key]) throw new Error(`${file}: ${key} missing`);
  }
  return values as unknown as PinnedVersions;
}

/** The built binaries and schemas (scripts/cluster/build-temporal.sh builds them on first use; fails loudly). */
export interface TemporalBinaries {
  server: string;
  sqlTool: string;
  uiServer: string;
  schemaDir: string;
}

export function buildTemporalBinaries(): TemporalBinaries {
  const script = join(PROJECT_ROOT, 'scripts', 'cluster', 'build-temporal.sh');
  const built = spawnSync('bash', [script], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`building the Temporal server failed (${script}, exit ${built.status ?? built.signal}; see above)`);
  const bin = built.stdout.trim().split('\n').pop() ?? '';
  return {
    server: join(bin, 'temporal-server'),
    sqlTool: join(bin, 'temporal-sql-tool'),
    uiServer: join(bin, 'temporal-ui-server'),
    schemaDir: join(bin, '..', 'schema', 'postgresql', 'v12'),
  };
}

const DATABASES = [
  { name: 'temporal', schema: 'temporal' },
  { name: 'temporal_visibility', schema: 'visibility' },
] as const;

/**
 * Creates Temporal's two databases when missing and brings their schemas to the version this
 * server ships (`setup-schema -v 0.0` is a no-op on an existing schema; `update-schema` applies
 * only what is new) — the same steps an operator runs to upgrade the server.
 */
export function setUpSchema(binaries: TemporalBinaries, db: DatabaseEndpoint): void {
  const env = { ...process.env, SQL_PLUGIN: 'postgres12', SQL_HOST: db.host, SQL_PORT: String(db.port), SQL_USER: db.user, SQL_PASSWORD: db.password };
  const run = (database: string, args: string[], tolerate?: RegExp): void => {
    const result = spawnSync(binaries.sqlTool, ['--db', database, ...args], { env: { ...env, SQL_DATABASE: database }, encoding: 'utf8' });
    const output = `${result.stdout}${result.stderr}`.trim();
    if (result.status === 0) return;
    if (tolerate?.test(output)) return;
    throw new Error(`temporal-sql-tool --db ${database} ${args.join(' ')} failed: ${output.split('\n').slice(-5).join(' | ')}`);
  };
  for (const { name, schema } of DATABASES) {
    run(name, ['create-database'], /already exists/);
    run(name, ['setup-schema', '-v', '0.0']);
    run(name, ['update-schema', '-d', join(binaries.schemaDir, schema, 'versioned')]);
  }
}

export interface TemporalServerOptions {
  dir: string;
  db: DatabaseEndpoint;
  /** Frontend gRPC address the server binds (loopback by default). */
  host: string;
  port: number;
  /** Fixed when the databases are created; cannot change afterwards. */
  numHistoryShards: number;
  tls?: ServerTls;
  logFile: string;
}

/**
 * TLS of the frontend: its certificate and key; the CA that signed them (the server's own system
 * workers verify the frontend with it); with `clientCaFile`, mTLS — clients must present a
 * certificate signed by that CA, and the system workers present the server's certificate (which
 * then needs the clientAuth usage too).
 */
export interface ServerTls {
  certFile: string;
  keyFile: string;
  caFile: string;
  /** Name in the server certificate that the system workers verify. */
  serverName: string;
  clientCaFile?: string;
}

/** CLUSTER_TLS_CERT, CLUSTER_TLS_KEY, CLUSTER_TLS_CA [, CLUSTER_TLS_CLIENT_CA, CLUSTER_TLS_SERVER_NAME] → TLS of the cluster's frontend; undefined without them. */
export function serverTlsFromEnv(env: NodeJS.ProcessEnv): ServerTls | undefined {
  const read = (name: string): string | undefined => env[name]?.trim() || undefined;
  const [certFile, keyFile, caFile] = [read('CLUSTER_TLS_CERT'), read('CLUSTER_TLS_KEY'), read('CLUSTER_TLS_CA')];
  if (certFile === undefined && keyFile === undefined && caFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined || caFile === undefined) {
    throw new Error('CLUSTER_TLS_CERT, CLUSTER_TLS_KEY and CLUSTER_TLS_CA go together (the frontend certificate, its key, the CA that signed it)');
  }
  const clientCaFile = read('CLUSTER_TLS_CLIENT_CA');
  return { certFile, keyFile, caFile, serverName: read('CLUSTER_TLS_SERVER_NAME') ?? 'localhost', ...(clientCaFile === undefined ? {} : { clientCaFile }) };
}

/** Writes the server's config file (all services in one process, on loopback ports) and starts it. */
export async function startTemporalServer(binaries: TemporalBinaries, options: TemporalServerOptions): Promise<Child> {
  mkdirSync(options.dir, { recursive: true });
  // Membership ports are stored in a smallint column: below 32768 — Temporal's usual 6933 up for the
  // usual frontend port, elsewhere a range of its own (clusters started side by side do not collide).
  const membership = await freePortsFrom(options.port === 7233 ? 6933 : 20_000 + (options.port % 3_000) * 4, 4);
  const ports = {
    frontendHttp: await findFreePort(),
    frontendMembership: membership[0],
    history: await findFreePort(),
    historyMembership: membership[1],
    matching: await findFreePort(),
    matchingMembership: membership[2],
    worker: await findFreePort(),
    workerMembership: membership[3],
    metrics: await findFreePort(),
  };
  const datastore = (database: string, maxConns: number): string[] => [
    `      sql:`,
    `        pluginName: postgres12`,
    `        databaseName: ${database}`,
    `        connectAddr: ${JSON.stringify(`${options.db.host.includes(':') ? `[${options.db.host}]` : options.db.host}:${options.db.port}`)}`,
    `        connectProtocol: tcp`,
    `        user: ${JSON.stringify(options.db.user)}`,
    `        password: ${JSON.stringify(options.db.password)}`,
    `        maxConns: ${maxConns}`,
    `        maxIdleConns: ${maxConns}`,
    `        maxConnLifetime: 1h`,
  ];
  const service = (grpcPort: number, membershipPort: number, extra: string[] = []): string[] => [
    `    rpc:`,
    `      grpcPort: ${grpcPort}`,
    `      membershipPort: ${membershipPort}`,
    `      bindOnIP: ${JSON.stringify(options.host)}`,
    ...extra,
  ];
  const tls = options.tls;
  const lines = [
    '# Generated by src/cluster/temporal.ts at every start; edit that file, not this one.',
    'log:',
    '  stdout: true',
    '  level: warn',
    'persistence:',
    '  defaultStore: postgres-default',
    '  visibilityStore: postgres-visibility',
    `  numHistoryShards: ${options.numHistoryShards}`,
    '  datastores:',
    '    postgres-default:',
    ...datastore('temporal', 20),
    '    postgres-visibility:',
    ...datastore('temporal_visibility', 10),
    'global:',
    '  membership:',
    '    maxJoinDuration: 30s',
    `    broadcastAddress: ${JSON.stringify(options.host)}`,
    '  metrics:',
    '    prometheus:',
    '      framework: tally',
    '      timerType: histogram',
    `      listenAddress: "127.0.0.1:${ports.metrics}"`,
    ...(tls === undefined
      ? []
      : [
          '  tls:',
          '    frontend:',
          '      server:',
          `        certFile: ${JSON.stringify(tls.certFile)}`,
          `        keyFile: ${JSON.stringify(tls.keyFile)}`,
          ...(tls.clientCaFile === undefined ? [] : ['        requireClientAuth: true', `        clientCaFiles: [${JSON.stringify(tls.clientCaFile)}]`]),
          '      client:',
          `        serverName: ${JSON.stringify(tls.serverName)}`,
          `        rootCaFiles: [${JSON.stringify(tls.caFile)}]`,
          '    systemWorker:',
          ...(tls.clientCaFile === undefined ? [] : [`      certFile: ${JSON.stringify(tls.certFile)}`, `      keyFile: ${JSON.stringify(tls.keyFile)}`]),
          '      client:',
          `        serverName: ${JSON.stringify(tls.serverName)}`,
          `        rootCaFiles: [${JSON.stringify(tls.caFile)}]`,
        ]),
    'services:',
    '  frontend:',
    ...service(options.port, ports.frontendMembership, [`      httpPort: ${ports.frontendHttp}`]),
    '  history:',
    ...service(ports.history, ports.historyMembership),
    '  matching:',
    ...service(ports.matching, ports.matchingMembership),
    '  worker:',
    ...service(ports.worker, ports.workerMembership),
    'clusterMetadata:',
    '  enableGlobalNamespace: false',
    '  failoverVersionIncrement: 10',
    '  masterClusterName: active',
    '  currentClusterName: active',
    '  clusterInformation:',
    '    active:',
    '      enabled: true',
    '      initialFailoverVersion: 1',
    '      rpcName: frontend',
    `      rpcAddress: "${options.host}:${options.port}"`,
    `      httpAddress: "${options.host}:${ports.frontendHttp}"`,
    // The server's own system workers reach the frontend here (with the systemWorker TLS settings).
    'publicClient:',
    `  hostPort: "${options.host}:${options.port}"`,
    'dcRedirectionPolicy:',
    '  policy: noop',
    'dynamicConfigClient:',
    `  filepath: ${JSON.stringify(DYNAMIC_CONFIG_FILE)}`,
    '  pollInterval: 10s',
    '',
  ];
  const configFile = join(options.dir, 'temporal-server.yaml');
  writeFileSync(configFile, lines.join('\n'), { mode: 0o600 });
  return new Child({
    name: 'temporal-server',
    command: binaries.server,
    args: ['--config-file', configFile, '--allow-no-auth', 'start'],
    logFile: options.logFile,
    stopGraceMs: 30_000,
  });
}

export interface NamespaceSetup {
  namespace: string;
  retentionMs: number;
  searchAttributes: Readonly<Record<string, SearchAttributeTypeName>>;
}

const GRPC_ALREADY_EXISTS = 6;

/**
 * Registers the namespace with its retention (or updates the retention of an existing one), adds
 * the search attributes (any error — a clash of types, no free slot — fails), then waits until a
 * visibility query over every attribute is accepted: from then on the API and the workers can run.
 */
export async function setUpNamespace(connection: Connection, setup: NamespaceSetup, timeoutMs: number): Promise<void> {
  const retention = msToTs(setup.retentionMs);
  const retentionSeconds = Math.floor(setup.retentionMs / 1000);
  await waitFor(
    `namespace ${setup.namespace}`,
    async () => {
      try {
        await connection.workflowService.registerNamespace({ namespace: setup.namespace, workflowExecutionRetentionPeriod: retention });
      } catch (error) {
        if ((error as { code?: unknown }).code !== GRPC_ALREADY_EXISTS) throw error;
        const described = await connection.workflowService.describeNamespace({ namespace: setup.namespace });
        const seconds = Number(described.config?.workflowExecutionRetentionTtl?.seconds ?? 0);
        if (seconds !== retentionSeconds) {
          await connection.workflowService.updateNamespace({
            namespace: setup.namespace,
            config: { workflowExecutionRetentionTtl: retention },
          });
        }
      }
      return true;
    },
    timeoutMs,
  );
  await ensureSearchAttributes(connection, setup.namespace, setup.searchAttributes);
  const probe = Object.entries(setup.searchAttributes)
    .map(([name, type]) => `${name} = ${type === 'Int' ? '0' : type === 'Bool' ? 'false' : '"-"'}`)
    .join(' AND ');
  await waitFor(
    `search attributes of namespace ${setup.namespace}`,
    async () => {
      await connection.workflowService.listWorkflowExecutions({ namespace: setup.namespace, query: probe, pageSize: 1 });
      return true;
    },
    timeoutMs,
  );
}

export interface UiServerOptions {
  dir: string;
  temporalAddress: string;
  host: string;
  port: number;
  namespace: string;
  /** The API's codec server, token in the path. */
  codecEndpoint: string;
  /** Operators look, they do not act: no terminate, signal, reset, start from the UI. */
  readOnly: boolean;
  /** CA of the frontend's certificate when it serves TLS (client certificate and key with mTLS). */
  tls?: { caFile: string; certFile?: string; keyFile?: string; serverName?: string };
  logFile: string;
}

/** Starts the Temporal UI server (its built assets are in the binary) and waits until it serves. */
export async function startUiServer(binaries: TemporalBinaries, options: UiServerOptions): Promise<Child> {
  const configDir = join(options.dir, 'ui-config');
  mkdirSync(configDir, { recursive: true });
  const tls = options.tls;
  const config = [
    '# Generated by src/cluster/temporal.ts at every start.',
    `temporalGrpcAddress: ${JSON.stringify(options.temporalAddress)}`,
    `host: ${JSON.stringify(options.host)}`,
    `port: ${options.port}`,
    'enableUi: true',
    `defaultNamespace: ${JSON.stringify(options.namespace)}`,
    'disableNewsFetch: true',
    `disableWriteActions: ${options.readOnly}`,
    'cors:',
    '  cookieInsecure: true',
    '  unsafeAllowAllOrigins: false',
    'codec:',
    `  endpoint: ${JSON.stringify(options.codecEndpoint)}`,
    ...(tls === undefined
      ? []
      : [
          'tls:',
          `  caFile: ${JSON.stringify(tls.caFile)}`,
          ...(tls.certFile === undefined ? [] : [`  certFile: ${JSON.stringify(tls.certFile)}`]),
          ...(tls.keyFile === undefined ? [] : [`  keyFile: ${JSON.stringify(tls.keyFile)}`]),
          '  enableHostVerification: true',
          ...(tls.serverName === undefined ? [] : [`  serverName: ${JSON.stringify(tls.serverName)}`]),
        ]),
    '',
  ];
  writeFileSync(join(configDir, 'base.yaml'), config.join('\n'), { mode: 0o600 });
  writeFileSync(join(configDir, 'production.yaml'), '# (all settings in base.yaml)\n');
  const child = new Child({
    name: 'temporal-ui',
    command: binaries.uiServer,
    args: ['--root', options.dir, '--config', 'ui-config', '--env', 'production', 'start'],
    logFile: options.logFile,
  });
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  await waitFor(`Temporal UI on ${host}:${options.port}`, () => httpOk(`http://${host}:${options.port}/`), 30_000, child);
  return child;
}

/** `count` ports free on loopback and on every address, the first at or after `first`. */
async function freePortsFrom(first: number, count: number): Promise<number[]> {
  const found: number[] = [];
  for (let port = first; port < 32_768 && found.length < count; port++) {
    if ((await isPortFree(port, '127.0.0.1')) && (await isPortFree(port, '0.0.0.0'))) found.push(port);
  }
  if (found.length < count) throw new Error(`no ${count} free ports between ${first} and 32767 for Temporal's membership`);
  return found;
}
