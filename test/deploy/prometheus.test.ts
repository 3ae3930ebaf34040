/**
 * The monitoring files under deploy/: the alert rules pass `promtool check rules` and their unit
 * tests (`promtool test rules deploy/prometheus/alerts.test.yml`), compose's Prometheus config passes
 * `promtool check config`, and the Grafana dashboard is valid JSON whose every query names a metric
 * the code exports. promtool comes from Debian's `prometheus` package (scripts/test.sh installs it);
 * without it these tests fail, loudly.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ALERT_TESTS_FILE, ALERTS_FILE, alertRules, baseName, dashboard, metricNames, PROMETHEUS_CONFIG_FILE, queriedMetricNames, ROOT, SDK_METRICS } from '../helpers/monitoring';

function promtool(args: string[], cwd?: string): { status: number; output: string } {
  const result = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  if (result.error !== undefined) {
    throw new Error(`promtool could not run (${result.error.message}): install Debian's prometheus package (scripts/test.sh does: apt-get install prometheus)`);
  }
  return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

test('promtool is installed', () => {
  expect(execFileSync('promtool', ['--version'], { encoding: 'utf8' })).toMatch(/promtool, version \d+\.\d+/);
});

test('the alert rules pass promtool check rules', () => {
  const { status, output } = promtool(['check', 'rules', ALERTS_FILE]);
  expect(output).toContain('SUCCESS');
  expect(status).toBe(0);
});

test('the alert rules pass their unit tests (promtool test rules)', () => {
  const { status, output } = promtool(['test', 'rules', ALERT_TESTS_FILE], dirname(ALERT_TESTS_FILE));
  expect(output).toContain('SUCCESS');
  expect(status).toBe(0);
});

test('every alert has a unit test that shows it firing', () => {
  const tests = readFileSync(ALERT_TESTS_FILE, 'utf8');
  for (const { alert } of alertRules()) {
    expect(tests).toMatch(new RegExp(`alertname: ${alert}\\n\\s+exp_alerts:\\n\\s+- exp_labels`));
  }
  expect(alertRules().map((rule) => rule.alert)).toEqual([
    'OrchestratorPayoutsNeedAttention',
    'OrchestratorCallbackSignatureFailures',
    'OrchestratorPlatformErrorRate',
    'OrchestratorPlatformLatencyHigh',
    'OrchestratorNoCallbacks',
    'OrchestratorNotificationFailures',
    'OrchestratorWorkflowTaskScheduleToStartHigh',
    'OrchestratorApi5xx',
  ]);
});

test("compose's Prometheus config passes promtool check config", () => {
  // The config names the token file its container's entrypoint writes: stand one in.
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-config-'));
  try {
    const token = join(dir, 'metrics-token');
    writeFileSync(token, '');
    writeFileSync(join(dir, 'prometheus.yml'), readFileSync(PROMETHEUS_CONFIG_FILE, 'utf8').replace('/tmp/metrics-token', token));
    copyFileSync(ALERTS_FILE, join(dir, 'alerts.yml'));
    const { status, output } = promtool(['check', 'config', join(dir, 'prometheus.yml')]);
    expect(output).toContain('SUCCESS');
    expect(status).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('the Grafana dashboard', () => {
  /** Every metric name declared in src/metrics (prom-client `name:` and the SDK meter's create* calls). */
  const declared = new Set(
    readdirSync(join(ROOT, 'src', 'metrics'))
      .filter((file) => file.endsWith('.ts'))
      .flatMap((file) => [...readFileSync(join(ROOT, 'src', 'metrics', file), 'utf8').matchAll(/'(orchestrator_[a-z0-9_]+)'/g)].map((m) => m[1])),
  );

  test('is valid JSON with panels, each with a query', () => {
    const board = dashboard();
    expect(board.uid).toBe('payment-orchestrator');
    expect(board.panels.length).toBeGreaterThanOrEqual(8);
    for (const panel of board.panels) {
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const target of panel.targets) expect(metricNames(target.expr).length).toBeGreaterThan(0);
    }
    expect(new Set(board.panels.map((panel) => panel.id)).size).toBe(board.panels.length);
  });

  test('names only metrics that exist: ours declared in src/metrics, the SDK\'s from the list the live test checks', () => {
    for (const name of queriedMetricNames()) {
      const base = baseName(name);
      if (name.startsWith('orchestrator_')) expect({ name, declared: declared.has(base) || declared.has(name) }).toEqual({ name, declared: true });
      else expect(SDK_METRICS).toContain(base);
    }
  });

  test('shows what operators are paged by: orders by kind and status, callbacks, platform latency, attention, worker task latency', () => {
    const exprs = dashboard().panels.flatMap((panel) => panel.targets.map((target) => target.expr)).join('\n');
    expect(exprs).toMatch(/sum by \(kind, status\) \(rate\(orchestrator_orders_finished_total/);
    expect(exprs).toMatch(/orchestrator_callbacks_total/);
    expect(exprs).toMatch(/orchestrator_platform_request_duration_seconds_bucket/);
    expect(exprs).toMatch(/orchestrator_orders_needing_attention/);
    expect(exprs).toMatch(/temporal_workflow_task_schedule_to_start_latency_bucket/);
  });
});
