/**
 * With a data directory the sandbox keeps its orders and balances in a file: a restart (of `npm start`,
 * which gives it DATA_DIR) does not turn a pending payout into "not found", and a callback that was
 * still being delivered is sent again. Without one, nothing is written.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSecret } from '../../src/sandbox';
import { sandboxOptionsFromEnv } from '../../src/sandbox/env';
import { SANDBOX_STATE_FILE } from '../../src/sandbox/persistence';
import { eventually, platformPaymentInput, platformPayoutInput, testMrn } from '../helpers/support';
import { CallbackReceiver, startTestSandbox, type TestSandbox } from './helpers';

let dataDir: string;
let receiver: CallbackReceiver;
const open: TestSandbox[] = [];
const credentials = { appKey: `merchant-${testMrn('p').slice(-8)}`, secret: generateSecret() };

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sandbox-state-'));
  receiver = await new CallbackReceiver(credentials.secret).start();
});

afterEach(async () => {
  for (const sandbox of open.splice(0)) await sandbox.close();
  await receiver.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(options: Parameters<typeof startTestSandbox>[0] = {}): Promise<TestSandbox> {
  const sandbox = await startTestSandbox({ ...credentials, dataDir, ...options });
  open.push(sandbox);
  return sandbox;
}

async function closeIt(sandbox: TestSandbox): Promise<void> {
  open.splice(open.indexOf(sandbox), 1);
  await sandbox.close();
}

const balanceOf = async (sandbox: TestSandbox) => (await sandbox.control.merchants())[0].balanceFen;

test('a pending payout survives a restart: its query answers status 0, not object_not_found, and the balance is unchanged', async () => {
  const first = await start();
  const opening = await balanceOf(first);
  const input = platformPayoutInput(receiver);
  expect(await first.gateway.createPayout(input)).toMatchObject({ kind: 'accepted' });
  const paidIn = platformPaymentInput(receiver);
  expect(await first.gateway.createPayment(paidIn)).toMatchObject({ kind: 'accepted' });
  const debited = await balanceOf(first);
  expect(debited).toBe(opening - input.amountFen);
  await closeIt(first);

  const file = join(dataDir, SANDBOX_STATE_FILE);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(readdirSync(dataDir)).toEqual([SANDBOX_STATE_FILE]); // no temporary file left behind

  const second = await start();
  expect(await second.gateway.queryPayout(input.mrn, { callback: false })).toEqual({ kind: 'accepted', value: { status: 0 } });
  expect(await balanceOf(second)).toBe(debited);
  // The same mrn is still taken, and the pay-in's cashier link still opens its order.
  expect(await second.gateway.createPayout(input)).toMatchObject({ kind: 'refused', code: 'mrn_duplication' });
  const payment = await second.control.payment(paidIn.mrn);
  expect(payment).toMatchObject({ status: 'pending', amountFen: paidIn.amountFen });

  // Settled after the restart: the refund lands in the restored balance, and the next start sees it.
  await second.control.markFailed('payout', input.mrn);
  expect(await balanceOf(second)).toBe(opening);
  await closeIt(second);
  const third = await start();
  expect(await third.gateway.queryPayout(input.mrn, { callback: false })).toEqual({ kind: 'accepted', value: { status: 2 } });
  expect(await balanceOf(third)).toBe(opening);
});

test('changes are written shortly after they happen, not only on close (a crash loses at most the last moment)', async () => {
  const sandbox = await start();
  const input = platformPayoutInput(receiver);
  await sandbox.gateway.createPayout(input);
  const saved = await eventually(
    async () => {
      const state = existsSync(join(dataDir, SANDBOX_STATE_FILE)) ? (JSON.parse(readFileSync(join(dataDir, SANDBOX_STATE_FILE), 'utf8')) as { orders: { mrn: string }[] }) : undefined;
      return state?.orders.some((order) => order.mrn === input.mrn) === true && state;
    },
    'the state file to hold the payout',
    3_000,
    10,
  );
  expect(saved?.orders).toHaveLength(1);
});

test('a callback still being retried when the sandbox stops is delivered again after the restart', async () => {
  // The merchant's endpoint is down: the first attempt fails and the next one is an hour away.
  receiver.answerNext({ status: 503, body: 'down' });
  const first = await start({ callbackScheduleMs: [0, 3_600_000] });
  const input = platformPayoutInput(receiver);
  await first.gateway.createPayout(input);
  await first.control.markPaid('payout', input.mrn);
  await receiver.waitFor(1);
  await closeIt(first);

  const second = await start();
  const [, again] = await receiver.waitFor(2);
  expect(again.fields).toMatchObject({ mrn: input.mrn, amount: String(input.amountFen / 100) });
  expect(again.signatureValid).toBe(true);
  await second.control.waitForDelivery('payout', input.mrn, 'delivered');
});

test('reset empties the saved state too', async () => {
  const first = await start();
  const input = platformPayoutInput(receiver);
  await first.gateway.createPayout(input);
  await first.control.reset();
  await closeIt(first);
  const second = await start();
  expect(await second.gateway.queryPayout(input.mrn, { callback: false })).toMatchObject({ kind: 'refused', code: 'object_not_found' });
});

test('without a data directory nothing is written', async () => {
  const sandbox = await start({ dataDir: undefined });
  await sandbox.gateway.createPayout(platformPayoutInput(receiver));
  await closeIt(sandbox);
  expect(readdirSync(dataDir)).toEqual([]);
});

test('npm run sandbox keeps its state in SANDBOX_DATA_DIR when it is set, in memory otherwise', () => {
  expect(sandboxOptionsFromEnv({ SANDBOX_DATA_DIR: '/var/lib/sandbox' }).dataDir).toBe('/var/lib/sandbox');
  expect(sandboxOptionsFromEnv({}).dataDir).toBeUndefined();
});

test('a state file that cannot be read stops the start with a message naming it', async () => {
  writeFileSync(join(dataDir, SANDBOX_STATE_FILE), '{"version":1,"orders":[');
  await expect(start()).rejects.toThrow(/sandbox-state\.json is not readable .*move it away/);
});
