/**
 * docker-compose.yml cannot run on a machine without a Docker engine, so it is read and checked
 * against what the native cluster (`npm run cluster`) runs and proves: the same pinned versions,
 * the same dynamic config, the same set-up code for the namespace and search attributes, every
 * variable the API and the worker require, health checks and restart policies, no deprecated image.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, posix, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { MIGRATIONS_DIR } from '../../src/book/database';
import { loadConfig } from '../../src/config';
import { DYNAMIC_CONFIG_FILE, HISTORY_SHARDS, pinnedVersions } from '../../src/cluster/temporal';
import { ORDER_SEARCH_ATTRIBUTES } from '../../src/contracts/search-attributes';

const ROOT = resolve(__dirname, '..', '..');
const composeText = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | number | boolean | null>;
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  healthcheck?: { test: string[] };
  restart?: string;
  deploy?: { replicas?: number };
}

/** What an operator puts in .env next to the compose file: exactly the variables its header names as secrets. */
const OPERATOR_ENV: Record<string, string> = {
  TEMPORAL_DB_PASSWORD: 'db-password-from-a-vault',
  ORDERS_DB_PASSWORD: '5f1c0e9a7b3d2c4e6f8a0b1c2d3e4f50',
  API_TOKEN: 'api-token-0123456789abcdef',
  OPERATOR_TOKEN: 'operator-token-0123456789abcdef',
  CODEC_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
  NOTIFY_SECRET: 'notify-secret-0123456789abcdef',
  GATEWAY_URL: 'https://pay.example.com',
  GATEWAY_APP_KEY: 'merchant-app-key',
  GATEWAY_SECRET: 'merchant-signing-secret',
  PUBLIC_URL: 'https://orchestrator.example.com',
};

/** Compose's interpolation: ${X:?msg} must be in the operator's env, ${X:-default}, ${X}, $$. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\{([A-Z_][A-Z0-9_]*)(?:(:\?|:-)([^}]*))?\}/g, (match, name: string | undefined, op: string | undefined, arg: string | undefined) => {
    if (match === '$$') return '$';
    const value = env[name as string];
    if (op === ':?') {
      if (value === undefined || value === '') throw new Error(`docker-compose.yml requires ${name}, which the operator's .env of this test does not set`);
      return value;
    }
    if (op === ':-') return value === undefined || value === '' ? (arg ?? '') : value;
    return value ?? '';
  });
}

const compose = parse(interpolate(composeText, OPERATOR_ENV), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const env = (service: Service): Record<string, string> =>
  Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, value === null ? '' : String(value)]));

describe('docker-compose.yml', () => {
  test('runs the images the native cluster builds: the same pinned Temporal server, admin tools, UI and PostgreSQL versions', () => {
    const pins = pinnedVersions();
    const images = Object.fromEntries(Object.entries(services).flatMap(([name, s]) => (s.image === undefined ? [] : [[name, s.image]])));
    expect(images).toEqual({
      postgresql: `postgres:${pins.POSTGRESQL_VERSION}`,
      'orders-db': `postgres:${pins.POSTGRESQL_VERSION}`,
      'temporal-schema': `temporalio/admin-tools:${pins.TEMPORAL_SERVER_VERSION}`,
      temporal: `temporalio/server:${pins.TEMPORAL_SERVER_VERSION}`,
      'temporal-ui': `temporalio/ui:${pins.TEMPORAL_UI_VERSION}`,
      prometheus: expect.stringMatching(/^prom\/prometheus:v[0-9.]+$/),
      grafana: expect.stringMatching(/^grafana\/grafana:[0-9.]+$/),
    });
  });

  test('uses no deprecated image (auto-setup, web, tctl) and no floating tag', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.image === undefined) {
        expect({ name, build: service.build }).toEqual({ name, build: '.' });
        continue;
      }
      expect(service.image).not.toMatch(/temporalio\/(auto-setup|web|tctl)\b/);
      expect(service.image).toMatch(/:v?[0-9][0-9.]*$/);
    }
    expect(composeText).not.toMatch(/auto-setup|\|\| *true/);
  });

  test('gives the API and the worker every variable they require (their own configuration check accepts it)', () => {
    const api = services.api;
    const worker = services.worker;
    expect(() => loadConfig(env(api), 'api')).not.toThrow();
    expect(() => loadConfig(env(worker), 'worker')).not.toThrow();
    expect(env(api).TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(env(worker).TEMPORAL_ADDRESS).toBe('temporal:7233');
    // and nothing beyond what the header tells the operator to put in .env is required
    const required = [...composeText.matchAll(/\$\{([A-Z_]+):\?/g)].map((m) => m[1]);
    expect(new Set(required)).toEqual(new Set(Object.keys(OPERATOR_ENV)));
    const header = composeText.split('\nname:')[0];
    for (const name of required) expect(header).toContain(name);
  });

  test('gives the API and the workers one order book: the orders database, with a role of its own, on the compose PostgreSQL', () => {
    const { api, worker } = services;
    const url = new URL(env(api).DATABASE_URL);
    expect(env(worker).DATABASE_URL).toBe(env(api).DATABASE_URL);
    expect({ protocol: url.protocol, host: url.hostname, port: url.port, database: url.pathname, user: url.username, password: url.password }).toEqual({
      protocol: 'postgres:',
      host: 'postgresql',
      port: '5432',
      database: '/orders',
      user: 'orders',
      password: OPERATOR_ENV.ORDERS_DB_PASSWORD,
    });
    // Not Temporal's credentials: the book's role reaches nothing of Temporal's.
    expect(url.password).not.toBe(OPERATOR_ENV.TEMPORAL_DB_PASSWORD);
    expect(loadConfig(env(api), 'api').databaseUrl).toBe(env(api).DATABASE_URL);
    for (const service of [api, worker]) expect(service.depends_on?.['orders-db']).toEqual({ condition: 'service_completed_successfully' });
  });

  test('creates the order book database with a one-shot that runs at every start (not initdb.d, which an existing volume skips)', () => {
    const setup = services['orders-db'];
    expect(setup.restart).toBe('no');
    expect(setup.depends_on?.postgresql).toEqual({ condition: 'service_healthy' });
    expect(setup.entrypoint).toEqual(['/bin/sh', '/deploy/setup-orders-db.sh']);
    expect(env(setup)).toEqual({ PGHOST: 'postgresql', PGUSER: 'temporal', PGPASSWORD: OPERATOR_ENV.TEMPORAL_DB_PASSWORD, ORDERS_DB_PASSWORD: OPERATOR_ENV.ORDERS_DB_PASSWORD });
    const script = readFileSync(join(ROOT, 'deploy', 'postgres', 'setup-orders-db.sh'), 'utf8');
    expect(script).toMatch(/set -eu/);
    expect(script).toMatch(/ON_ERROR_STOP=1/);
    // Idempotent: created only when missing; the password through a psql variable, never spliced into SQL.
    expect(script).toMatch(/WHERE NOT EXISTS \(SELECT FROM pg_roles WHERE rolname = 'orders'\)\\gexec/);
    expect(script).toMatch(/WHERE NOT EXISTS \(SELECT FROM pg_database WHERE datname = 'orders'\)\\gexec/);
    expect(script).toMatch(/PASSWORD :'pw'/);
    expect(script).not.toMatch(/PASSWORD '\$/);
    expect(composeText).not.toMatch(/docker-entrypoint-initdb\.d/);
  });

  test('the image holds the migrations where the built code looks for them (two levels above dist/book/database.js)', () => {
    expect(MIGRATIONS_DIR).toBe(join(ROOT, 'migrations'));
    expect(existsSync(join(MIGRATIONS_DIR, '0001_order-book.sql'))).toBe(true);
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const workdir = /^WORKDIR (\S+)$/m.exec(finalStage)?.[1] as string;
    expect(workdir).toBeDefined();
    // Where the image puts the build (dist/), and where database.js resolves the migrations from there.
    const copies = [...finalStage.matchAll(/^COPY (?:--from=\S+ )?(\S+) (\S+)$/gm)].map((m) => ({ from: m[1], to: posix.resolve(workdir, m[2]) }));
    const dist = copies.find((c) => c.from === '/app/dist');
    expect(dist).toBeDefined();
    const srcBook = join(ROOT, 'src', 'book');
    const inImage = posix.resolve(posix.join(dist?.to as string, relative(join(ROOT, 'src'), srcBook)), relative(srcBook, MIGRATIONS_DIR));
    expect(copies).toContainEqual({ from: 'migrations', to: inImage });
  });

  test('sets up the namespace (retention) and the search attributes with the code that defines them, and nothing else starts if that fails', () => {
    const setup = services['temporal-setup'];
    expect(setup.build).toBe('.');
    expect(setup.command).toEqual(['node', 'dist/cluster/setup-namespace.js']);
    expect(setup.restart).toBe('no');
    expect(env(setup)).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', ORDER_RETENTION: '30d' });
    // one source: the entry registers ORDER_SEARCH_ATTRIBUTES, no list is written out in the compose file
    const entry = readFileSync(join(ROOT, 'src', 'cluster', 'setup-namespace.ts'), 'utf8');
    expect(entry).toMatch(/searchAttributes: ORDER_SEARCH_ATTRIBUTES/);
    for (const name of Object.keys(ORDER_SEARCH_ATTRIBUTES)) expect(composeText).not.toContain(name);
    for (const dependent of ['api', 'worker', 'temporal-ui']) {
      expect(services[dependent].depends_on?.['temporal-setup']).toEqual({ condition: 'service_completed_successfully' });
    }
    expect(services.temporal.depends_on?.['temporal-schema']).toEqual({ condition: 'service_completed_successfully' });
  });

  test('sets up the schema with temporal-sql-tool from a script in the repository (also the upgrade path)', () => {
    const schema = services['temporal-schema'];
    expect(schema.entrypoint).toEqual(['/bin/sh', '/deploy/setup-postgres.sh']);
    const script = readFileSync(join(ROOT, 'deploy', 'temporal', 'setup-postgres.sh'), 'utf8');
    expect(script).toMatch(/set -eu/);
    expect(script).toMatch(/update-schema -d "\$schema\/\$dir\/versioned"/);
  });

  test('shares the dynamic config file and the history shard count with the native cluster', () => {
    const temporal = services.temporal;
    const mount = (temporal.volumes ?? []).find((volume) => volume.includes('dynamicconfig'));
    expect(mount).toBeDefined();
    const [host, container] = (mount as string).split(':');
    expect(resolve(ROOT, host)).toBe(DYNAMIC_CONFIG_FILE);
    expect(env(temporal).DYNAMIC_CONFIG_FILE_PATH).toBe(container);
    expect(env(temporal).NUM_HISTORY_SHARDS).toBe(String(HISTORY_SHARDS));
    expect(env(temporal).DB).toBe('postgres12');
  });

  test('the UI is read-only for operators and decodes through the API codec server', () => {
    const ui = env(services['temporal-ui']);
    expect(ui.TEMPORAL_DISABLE_WRITE_ACTIONS).toBe('true');
    expect(ui.TEMPORAL_CODEC_ENDPOINT).toBe(`${OPERATOR_ENV.PUBLIC_URL}/codec/${OPERATOR_ENV.OPERATOR_TOKEN}`);
  });

  test('the API and two worker replicas have health checks and restart policies', () => {
    const { api, worker } = services;
    expect(api.restart).toBe('unless-stopped');
    expect(worker.restart).toBe('unless-stopped');
    expect(worker.deploy?.replicas).toBe(2);
    expect(api.healthcheck?.test.join(' ')).toContain(`127.0.0.1:${env(api).PORT}/readyz`);
    expect(worker.healthcheck?.test.join(' ')).toContain(`127.0.0.1:${env(worker).WORKER_HEALTH_PORT}/healthz`);
    for (const name of ['postgresql', 'temporal']) expect(services[name].healthcheck).toBeDefined();
  });

  test('Prometheus scrapes the API and every worker replica and loads the alert rules; Grafana is provisioned with the dashboard', () => {
    const { prometheus, grafana, api, worker } = services;
    const config = parse(readFileSync(join(ROOT, 'deploy', 'prometheus', 'prometheus.yml'), 'utf8')) as {
      rule_files: string[];
      scrape_configs: { job_name: string; dns_sd_configs: { names: string[]; port: number }[] }[];
    };
    const targets = Object.fromEntries(config.scrape_configs.map((job) => [job.dns_sd_configs[0].names[0], job.dns_sd_configs[0].port]));
    expect(targets).toEqual({ api: Number(env(api).PORT), worker: Number(env(worker).WORKER_METRICS_PORT) });
    expect(prometheus.volumes).toEqual(expect.arrayContaining(['./deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro']));
    expect(config.rule_files).toEqual(['alerts.yml']);
    expect(env(prometheus).METRICS_TOKEN).toBe(env(api).METRICS_TOKEN);
    expect(grafana.volumes).toEqual(expect.arrayContaining(['./deploy/grafana/orchestrator.json:/var/lib/grafana/dashboards/orchestrator.json:ro']));
  });

  test('every file it mounts from the repository exists', () => {
    for (const service of Object.values(services)) {
      for (const volume of service.volumes ?? []) {
        const host = volume.split(':')[0];
        if (host.startsWith('.')) expect(existsSync(resolve(ROOT, host))).toBe(true);
      }
    }
  });
});
