import { Writable } from 'node:stream';
import pino from 'pino';
import { DEFAULT_CALLBACK_SCHEDULE_MS, parseSchedule, sandboxOptionsFromEnv, SandboxConfigError, startSandbox } from '../../src/sandbox';
import { platformPaymentInput, platformPayoutInput } from '../helpers/support';
import { CallbackReceiver, startTestSandbox } from './helpers';

describe('sandbox configuration from the environment', () => {
  it('uses the documented defaults and leaves credentials to be generated', () => {
    expect(sandboxOptionsFromEnv({})).toEqual({
      port: 4000,
      host: '127.0.0.1',
      appKey: undefined,
      secret: undefined,
      balanceFen: 1_000_000_00,
      callbackScheduleMs: undefined,
      publicUrl: undefined,
      logLevel: 'info',
    });
  });

  it('reads every variable', () => {
    const options = sandboxOptionsFromEnv({
      SANDBOX_PORT: '4100',
      SANDBOX_HOST: '0.0.0.0',
      SANDBOX_APP_KEY: 'demo',
      SANDBOX_SECRET: 'demo-secret',
      SANDBOX_BALANCE: '250.50',
      SANDBOX_CALLBACK_SCHEDULE: '0s, 500ms, 2s, 1m',
      SANDBOX_PUBLIC_URL: 'https://sandbox.example',
      SANDBOX_LOG_LEVEL: 'warn',
    });
    expect(options).toEqual({
      port: 4100,
      host: '0.0.0.0',
      appKey: 'demo',
      secret: 'demo-secret',
      balanceFen: 250_50,
      callbackScheduleMs: [0, 500, 2000, 60_000],
      publicUrl: 'https://sandbox.example',
      logLevel: 'warn',
    });
  });

  it('names every malformed variable at once', () => {
    const read = () =>
      sandboxOptionsFromEnv({
        SANDBOX_PORT: '70000',
        SANDBOX_BALANCE: 'lots',
        SANDBOX_CALLBACK_SCHEDULE: '0s,soon',
        SANDBOX_PUBLIC_URL: 'ftp://x',
        SANDBOX_LOG_LEVEL: 'chatty',
      });
    expect(read).toThrow(SandboxConfigError);
    try {
      read();
    } catch (error) {
      expect((error as SandboxConfigError).problems).toHaveLength(5);
    }
  });

  it('parses schedules, a bare 0 included', () => {
    expect(parseSchedule('0,15s,3m')).toEqual([0, 15_000, 180_000]);
    expect(parseSchedule('15')).toBeUndefined();
  });

  it('has a realistic default schedule that starts at once and stretches to about a day', () => {
    expect(DEFAULT_CALLBACK_SCHEDULE_MS.slice(0, 9)).toEqual([0, 15_000, 15_000, 30_000, 180_000, 600_000, 1_200_000, 1_800_000, 3_600_000]);
    const total = DEFAULT_CALLBACK_SCHEDULE_MS.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(20 * 3_600_000);
    expect(total).toBeLessThan(26 * 3_600_000);
  });
});

describe('startSandbox', () => {
  it('generates credentials when none are given, and answers its control API at the URL it returns', async () => {
    const sandbox = await startSandbox({ logLevel: 'silent' });
    try {
      expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(sandbox.appKey).toMatch(/^sbx_[0-9a-f]{16}$/);
      expect(sandbox.secret.length).toBeGreaterThanOrEqual(32);
      expect(await sandbox.control.health()).toBe(true);
      expect(await sandbox.control.balanceFen()).toBe(1_000_000_00);
    } finally {
      await sandbox.close();
    }
  });

  it('tells merchants its public URL, links the cashier there, and still controls itself through the listener', async () => {
    const receiver = await new CallbackReceiver().start();
    const sandbox = await startTestSandbox({ publicUrl: 'https://sandbox.example/' });
    try {
      expect(sandbox.url).toBe('https://sandbox.example');
      expect(await sandbox.control.health()).toBe(true);
      const { GatewayClient } = await import('../../src/gateway');
      const local = new GatewayClient({ baseUrl: sandbox.control.baseUrl, appKey: sandbox.appKey, secret: sandbox.secret, timeoutMs: 2000 });
      const payment = platformPaymentInput(receiver);
      await local.createPayment(payment);
      await local.close();
      expect((await sandbox.control.payment(payment.mrn))?.cashierUrl).toMatch(/^https:\/\/sandbox\.example\/api\/Pay\?id=/);
    } finally {
      await sandbox.close();
      await receiver.close();
    }
  });

  it('keeps inspection logs near maxRecords, dropping the oldest', async () => {
    const receiver = await new CallbackReceiver().start();
    const sandbox = await startTestSandbox({ maxRecords: 10 });
    try {
      const mrns: string[] = [];
      for (let i = 0; i < 30; i++) {
        const payment = platformPaymentInput(receiver);
        mrns.push(payment.mrn);
        await sandbox.gateway.createPayment(payment);
      }
      const requests = await sandbox.control.requests();
      expect(requests.length).toBeGreaterThanOrEqual(10);
      expect(requests.length).toBeLessThanOrEqual(11);
      expect(requests.at(-1)?.mrn).toBe(mrns.at(-1));
      expect(await sandbox.control.orders()).toHaveLength(30);
    } finally {
      await sandbox.close();
      await receiver.close();
    }
  });

  it('refuses a bad callback schedule or merchant list at start', async () => {
    await expect(startSandbox({ logLevel: 'silent', callbackScheduleMs: [] })).rejects.toThrow(/at least one attempt/);
    await expect(startSandbox({ logLevel: 'silent', callbackScheduleMs: [-1] })).rejects.toThrow(/non-negative/);
    await expect(startSandbox({ logLevel: 'silent', merchants: [] })).rejects.toThrow(/at least one merchant/);
    await expect(
      startSandbox({ logLevel: 'silent', merchants: [{ appKey: 'a', secret: 's', balanceFen: 1 }, { appKey: 'a', secret: 't', balanceFen: 1 }] }),
    ).rejects.toThrow(/twice/);
  });
});

describe('sandbox logs', () => {
  it('never contain the secret, a signature or a full account number', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const receiver = await new CallbackReceiver().start();
    const sandbox = await startTestSandbox({ logger: pino({ level: 'trace' }, sink) });
    try {
      const payout = platformPayoutInput(receiver, { accountNumber: '6222021234567890123' });
      const request = await sandbox.gateway.createPayout(payout);
      expect(request.kind).toBe('accepted');
      await sandbox.gateway.queryPayout(payout.mrn, { callback: false });
      await sandbox.control.markPaid('payout', payout.mrn);
      const [callback] = await receiver.waitFor(1);
      await sandbox.control.waitForDelivery('payout', payout.mrn);

      const log = lines.join('');
      expect(log).toContain(payout.mrn);
      expect(log).toContain('callback received');
      expect(log).not.toContain(sandbox.secret);
      expect(log).not.toContain('6222021234567890123');
      expect(log).not.toContain(callback.fields.sign);
      expect(log).not.toMatch(/[?&]sign=/);
    } finally {
      await sandbox.close();
      await receiver.close();
    }
  });
});
