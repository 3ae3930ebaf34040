/**
 * The operator's tool, in a real browser: Debian's chromium (driven by playwright-core) on the
 * Temporal Web UI of the system's own embedded dev server. Orders are created through our API and
 * settled at the sandbox platform; then, as an operator would, the test filters the workflow list
 * by `OrderStatus="succeeded"` in the UI's query box and opens the pay-in's run, whose summary and
 * input are shown in plain text only because the UI decodes them through our codec server.
 *
 * Screenshots go to artifacts/screenshots/ (git-ignored). scripts/test.sh installs chromium; when
 * it is missing the tests are skipped with a loud banner, never failed.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { request } from 'undici';
import { loadConfig } from '../../src/config';
import { startSystem, type RunningSystem } from '../../src/system';
import { findFreePort } from '../../src/temporal/dev-server';
import { testMrn } from '../helpers/orders';
import { E2E_ENV, eventually } from '../helpers/system';
import { workflowBundle } from '../helpers/temporal';

const CHROMIUM = '/usr/bin/chromium';
// Without these, chromium reaches for the (closed) network: updates, sync, field trials, QUIC probes.
// Playwright adds a fresh --user-data-dir of its own to every launch.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOTS = join(__dirname, '..', '..', 'artifacts', 'screenshots');

const unavailable = existsSync(CHROMIUM)
  ? undefined
  : (process.env.BROWSER_TESTS_UNAVAILABLE ?? `${CHROMIUM} is missing (npm test installs Debian's chromium)`);
if (unavailable !== undefined) {
  const line = '!'.repeat(100);
  console.warn(`${line}\n!!! BROWSER TESTS SKIPPED: ${unavailable}\n!!! The Temporal UI was NOT checked in a real browser.\n${line}`);
}
const describeWithBrowser = unavailable === undefined ? describe : describe.skip;

describeWithBrowser('Temporal UI in a real browser', () => {
  let system: RunningSystem;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  /** Codec server calls of the UI that did not answer 200 (CORS, auth, decoding), with how often. */
  const codecProblems = new Map<string, number>();
  const codecProblem = (problem: string) => codecProblems.set(problem, (codecProblems.get(problem) ?? 0) + 1);

  const payIn = { mrn: testMrn('P'), amount: '100.00', channelId: 2, returnUrl: 'https://shop.example.com/paid', payer: '李四' };
  const payout = { mrn: testMrn('W'), amount: 500, bankName: '中国工商银行', accountName: '张三', accountNumber: '6222021234567890123' };
  const pendingPayIn = { ...payIn, mrn: testMrn('P'), payer: undefined };

  async function api(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const response = await request(`${system.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${system.apiToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.statusCode, body: await response.body.json() };
  }

  const screenshot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `temporal-ui-${name}.png`), fullPage: true });
  const workflowLink = (workflowId: string): Locator => page.getByRole('link', { name: workflowId, exact: true });

  /** Waits for decoded text; when it never shows, the error says what the UI got from the codec server. */
  async function waitForDecoded(locator: Locator, what: string): Promise<void> {
    try {
      await locator.waitFor();
    } catch (error) {
      await screenshot(`failed-${what.replace(/\W+/g, '-')}`).catch(() => undefined);
      const calls = codecProblems.size > 0 ? [...codecProblems].map(([problem, times]) => `${times}× ${problem}`).join('; ') : 'none failed';
      throw new Error(`${what}: not shown decoded (codec server calls of the UI: ${calls})`, { cause: error });
    }
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'orchestrator-browser-'));
    const [apiPort, temporalPort, uiPort] = [await findFreePort(), await findFreePort(), await findFreePort()];
    // TEMPORAL_ADDRESS unset: the system starts its own dev server, with the Web UI and
    // --ui-codec-endpoint; TEMPORAL_UI_PORT makes the codec server's CORS default the UI's origin.
    const config = loadConfig(
      {
        HOST: '127.0.0.1',
        PORT: String(apiPort),
        TEMPORAL_UI_PORT: String(uiPort),
        API_TOKEN: randomBytes(18).toString('base64url'),
        DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
        ...E2E_ENV,
      },
      'all-in-one',
    );
    system = await startSystem({
      config,
      log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      sandbox: { port: 0, callbackScheduleMs: [0, 300, 600, 1000, 2000] },
      workflowBundle: await workflowBundle(require.resolve('../../src/workflows')),
      devServer: { port: temporalPort, uiPort, dbFilename: join(dataDir, 'temporal.sqlite') },
    });

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, locale: 'en-US', timezoneId: 'UTC' });
    page.setDefaultTimeout(30_000);
    const redact = (url: string) => url.replace(system.operatorToken, '<operator-token>');
    page.on('response', (response) => {
      if (response.url().includes('/codec/') && response.status() !== 200) codecProblem(`${response.status()} ${redact(response.url())}`);
    });
    page.on('requestfailed', (failed) => {
      if (failed.url().includes('/codec/')) codecProblem(`${failed.failure()?.errorText ?? 'failed'} ${redact(failed.url())}`);
    });
    mkdirSync(SCREENSHOTS, { recursive: true });
    for (const old of readdirSync(SCREENSHOTS).filter((name) => name.startsWith('temporal-ui-'))) rmSync(join(SCREENSHOTS, old));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  test('two orders settled at the platform: the UI lists them under OrderStatus="succeeded", and the pay-in run reads in plain text', async () => {
    // Arrange: a pay-in and a payout through our API, both settled at the platform; a third order stays pending.
    const control = system.sandbox!.control;
    await control.keepPending('payment', pendingPayIn.mrn);
    expect((await api('POST', '/v1/payments', payIn)).status).toBe(201);
    expect((await api('POST', '/v1/payouts', payout)).status).toBe(202);
    expect((await api('POST', '/v1/payments', pendingPayIn)).status).toBe(201);
    await control.markPaid('payment', payIn.mrn);
    await control.markPaid('payout', payout.mrn);
    for (const [kind, mrn] of [['payments', payIn.mrn], ['payouts', payout.mrn]] as const) {
      await eventually(async () => (await api('GET', `/v1/${kind}/${mrn}`)).body.status === 'succeeded', `${kind} ${mrn} to succeed`, 30_000);
    }
    // The UI reads visibility, which follows the workflows' search attribute upserts.
    await eventually(
      async () => (await system.client.workflow.count(`OrderStatus = "succeeded" AND Mrn IN ("${payIn.mrn}", "${payout.mrn}")`)).count === 2,
      'both orders to be visible as succeeded',
    );

    // Act 1: the operator opens the workflow list, all three orders are there.
    await page.goto(`${system.temporalUiUrl!}/namespaces/default/workflows`);
    const payInRun = workflowLink(`payment-${payIn.mrn}`);
    const payoutRun = workflowLink(`payout-${payout.mrn}`);
    const pendingRun = workflowLink(`payment-${pendingPayIn.mrn}`);
    for (const run of [payInRun, payoutRun, pendingRun]) await run.waitFor();
    await screenshot('1-all-orders');

    // Act 2: types the filter into the list's raw query box and searches.
    const queryBox = page.getByTestId('workflow-manual-search-input');
    if (!(await queryBox.isVisible())) await page.getByTestId('toggle-manual-query').click();
    await queryBox.fill('OrderStatus="succeeded"');
    await page.getByTestId('workflow-manual-search-button').click();

    // Assert: the settled pay-in and payout are listed, the pending pay-in is not.
    await page.waitForURL((url) => url.searchParams.get('query') === 'OrderStatus="succeeded"');
    await pendingRun.waitFor({ state: 'detached' });
    await payInRun.waitFor();
    await payoutRun.waitFor();
    await screenshot('2-filtered-succeeded');

    // Act 3: opens the pay-in's run.
    await payInRun.click();
    await page.waitForURL(new RegExp(`/workflows/payment-${payIn.mrn}/[^/]+/`));

    // Assert: its input is decoded — the payer's name exists only in the encrypted input (the run's
    // details say "Payer name given: yes"); undecoded, the UI shows base64 ciphertext and a banner.
    const input = page.getByTestId('input-and-result').getByRole('textbox', { name: 'Input', exact: true });
    await waitForDecoded(input.filter({ hasText: `"mrn": "${payIn.mrn}"` }), 'the mrn in the input');
    await waitForDecoded(input.filter({ hasText: '"returnUrl": "https://shop.example.com/paid"' }), 'the returnUrl in the input');
    await waitForDecoded(input.filter({ hasText: '"payer": "李四"' }), "the payer's name in the input");
    expect(await page.getByText('Codec Server could not connect').count()).toBe(0);
    await screenshot('3-payin-run-decoded-input');

    // Assert: its summary (user metadata, also encrypted in history) reads as the API wrote it.
    await page.getByRole('tab', { name: 'User Metadata' }).click();
    // The UI renders each markdown field in its own frame.
    const summary = page.frameLocator('iframe#user-metadata-summary');
    await waitForDecoded(summary.getByText(`Pay-in 100.00 CNY · 支付宝 Alipay (2) · mrn ${payIn.mrn}`, { exact: true }), 'the summary');
    await waitForDecoded(page.frameLocator('iframe#user-metadata-details').getByText('Payer name given: yes'), 'the details');
    await screenshot('4-payin-summary');

    expect([...codecProblems.keys()]).toEqual([]);
  }, 180_000);
});
