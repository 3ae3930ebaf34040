/**
 * startDevServer on its own: state and search attributes across a restart, the Web UI, and the
 * errors a person sees when the port is taken or the CLI refuses its arguments.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { defineSearchAttributeKey } from '@temporalio/common';
import { findFreePort, startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { devServerAddress, uniqueName } from '../helpers/temporal';

let stateDir: string;
const started: DevServer[] = [];

beforeAll(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'dev-server-test-'));
});

afterAll(async () => {
  await Promise.all(started.map((server) => server.stop()));
  rmSync(stateDir, { recursive: true, force: true });
});

async function start(options: Parameters<typeof startDevServer>[0]): Promise<DevServer> {
  const server = await startDevServer(options);
  started.push(server);
  return server;
}

async function customSearchAttributes(server: DevServer): Promise<Record<string, number>> {
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  try {
    const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace: 'default' });
    return Object.fromEntries(Object.entries(customAttributes ?? {}).map(([name, type]) => [name, Number(type)]));
  } finally {
    await client.connection.close();
  }
}

test('a restart on the same database keeps workflows and registers search attributes added since', async () => {
  const dbFilename = join(stateDir, 'nested', 'folder', 'temporal.sqlite');
  const port = await findFreePort();
  const workflowId = uniqueName('survivor');

  const first = await start({ port, headless: true, dbFilename, searchAttributes: { SmokeKind: 'Keyword' } });
  const connection = await Connection.connect({ address: first.address });
  await new Client({ connection }).workflow.start('notRunByAnyWorker', { taskQueue: uniqueName('nobody'), workflowId });
  await connection.close();
  await first.stop();

  const uiPort = await findFreePort();
  const second = await start({ port, uiPort, dbFilename, searchAttributes: { SmokeKind: 'Keyword', SmokeCount: 'Int' } });

  expect(await customSearchAttributes(second)).toMatchObject({ SmokeKind: 2, SmokeCount: 3 });
  const again = await Connection.connect({ address: second.address });
  const description = await new Client({ connection: again }).workflow.getHandle(workflowId).describe();
  // The attribute added on this restart is usable at once (no search-attribute cache on a database that existed).
  await new Client({ connection: again }).workflow.start('notRunByAnyWorker', {
    taskQueue: uniqueName('nobody'),
    workflowId: uniqueName('counted'),
    typedSearchAttributes: [{ key: defineSearchAttributeKey('SmokeCount', 'INT'), value: 1 }],
  });
  await again.close();
  expect(description.status.name).toBe('RUNNING');
  expect(second.uiUrl).toBe(`http://127.0.0.1:${uiPort}`);
  expect((await fetch(second.uiUrl!)).status).toBe(200);
});

test('a search attribute whose type changed since the database was created is refused', async () => {
  const dbFilename = join(stateDir, 'clash.sqlite');
  const first = await start({ port: await findFreePort(), headless: true, dbFilename, searchAttributes: { Flip: 'Keyword' } });
  await first.stop();

  await expect(
    start({ port: await findFreePort(), headless: true, dbFilename, searchAttributes: { Flip: 'Int' } }),
  ).rejects.toThrow('Flip is Keyword, wanted Int');
});

test('a taken port is reported as such, before anything is spawned', async () => {
  const port = Number(devServerAddress().split(':').pop());

  await expect(start({ port, headless: true })).rejects.toThrow(`gRPC port ${port} on 127.0.0.1 already in use`);
});

test('when the CLI exits at once, the error carries what it printed', async () => {
  await expect(
    start({ port: await findFreePort(), headless: true, dynamicConfig: { 'frontend.whatever': undefined } }),
  ).rejects.toThrow(/exited early \(code 1\)[\s\S]*Error: invalid dynamic config values/);
});
