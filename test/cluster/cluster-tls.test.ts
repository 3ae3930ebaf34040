/**
 * The native cluster with mTLS on its frontend (certificates made now with openssl): the API, the
 * workers, the UI and the set-up connect with TEMPORAL_TLS_* — the same variables a secured cluster
 * or Temporal Cloud needs — and a pay-in passes through; a client without a certificate is refused.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { SandboxControl } from '../../src/sandbox/control-client';
import { temporalConnectionOptions } from '../../src/temporal/connection-options';
import { eventually } from '../helpers/system';
import { startTestCluster, type TestCluster } from './cluster-process';

jest.setTimeout(120_000);

const SERVER_NAME = 'temporal.cluster.test';
let certs: string;
let cluster: TestCluster;
let sandbox: SandboxControl;

/** A CA, a server certificate (serverAuth + clientAuth: the server's system workers present it) and a client certificate. */
function makeCertificates(dir: string): void {
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=orchestrator test CA');
  const issue = (name: string, usage: string, san: string): void => {
    writeFileSync(join(dir, `${name}.ext`), `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=${usage}\nsubjectAltName=${san}\n`);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  };
  issue('server', 'serverAuth,clientAuth', `DNS:${SERVER_NAME},IP:127.0.0.1`);
  issue('client', 'clientAuth', 'DNS:orchestrator.client.test');
}

beforeAll(async () => {
  certs = mkdtempSync(join(tmpdir(), 'orchestrator-certs-'));
  makeCertificates(certs);
  cluster = await startTestCluster({
    apis: 1,
    workers: 1,
    env: {
      CLUSTER_TLS_CERT: join(certs, 'server.pem'),
      CLUSTER_TLS_KEY: join(certs, 'server.key'),
      CLUSTER_TLS_CA: join(certs, 'ca.pem'),
      CLUSTER_TLS_CLIENT_CA: join(certs, 'ca.pem'),
      CLUSTER_TLS_SERVER_NAME: SERVER_NAME,
      TEMPORAL_TLS_CERT: join(certs, 'client.pem'),
      TEMPORAL_TLS_KEY: join(certs, 'client.key'),
      TEMPORAL_TLS_CA: join(certs, 'ca.pem'),
      TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
    },
  });
  sandbox = new SandboxControl(cluster.sandboxUrl);
}, 15 * 60_000);

afterAll(async () => {
  await sandbox?.close();
  await cluster?.down();
  if (certs) rmSync(certs, { recursive: true, force: true });
}, 5 * 60_000);

test('a pay-in passes through the cluster whose frontend requires mTLS', async () => {
  const created = await cluster.api('POST', '/v1/payments', { amount: '66.00', channelId: 2, returnUrl: 'https://shop.example.com/paid' });
  expect(created.status).toBe(201);
  await sandbox.markPaid('payment', created.body.mrn);
  const settled = await eventually(async () => {
    const view = await cluster.api('GET', `/v1/payments/${created.body.mrn}`);
    return view.body.status === 'succeeded' ? view.body : undefined;
  }, 'the pay-in succeeded', 60_000);
  expect(settled).toMatchObject({ paidAmount: '66.00' });
});

test('the frontend refuses a client without a certificate, and plaintext', async () => {
  const withoutCertificate = temporalConnectionOptions(
    { TEMPORAL_TLS_CA: join(certs, 'ca.pem'), TEMPORAL_TLS_SERVER_NAME: SERVER_NAME },
    cluster.temporalAddress,
  );
  await expect(
    Connection.connect({ ...withoutCertificate, connectTimeout: 3_000 }).then(async (c) => {
      try {
        await c.workflowService.getSystemInfo({});
      } finally {
        await c.close();
      }
    }),
  ).rejects.toThrow();
  await expect(
    Connection.connect({ address: cluster.temporalAddress, connectTimeout: 3_000 }).then(async (c) => {
      try {
        await c.workflowService.getSystemInfo({});
      } finally {
        await c.close();
      }
    }),
  ).rejects.toThrow();
});

test('with its client certificate, a client of ours (TEMPORAL_TLS_*) is served', async () => {
  const options = temporalConnectionOptions(
    {
      TEMPORAL_TLS_CERT: join(certs, 'client.pem'),
      TEMPORAL_TLS_KEY: join(certs, 'client.key'),
      TEMPORAL_TLS_CA: join(certs, 'ca.pem'),
      TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
    },
    cluster.temporalAddress,
  );
  const connection = await Connection.connect(options);
  try {
    const info = await connection.workflowService.getSystemInfo({});
    expect(info.serverVersion).toBe(readFileSync(join(__dirname, '..', '..', 'deploy', 'temporal', 'versions.env'), 'utf8').match(/TEMPORAL_SERVER_VERSION=(.*)/)?.[1]);
  } finally {
    await connection.close();
  }
});
