/** The PromQL of the alert rules and of the Grafana dashboard, and the metric names they use. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

export const ROOT = resolve(__dirname, '..', '..');
export const ALERTS_FILE = join(ROOT, 'deploy', 'prometheus', 'alerts.yml');
export const ALERT_TESTS_FILE = join(ROOT, 'deploy', 'prometheus', 'alerts.test.yml');
export const PROMETHEUS_CONFIG_FILE = join(ROOT, 'deploy', 'prometheus', 'prometheus.yml');
export const DASHBOARD_FILE = join(ROOT, 'deploy', 'grafana', 'orchestrator.json');

export interface DashboardPanel {
  id: number;
  title: string;
  type: string;
  targets: { refId: string; expr: string }[];
}

export function dashboard(): { uid: string; title: string; panels: DashboardPanel[] } {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as { uid: string; title: string; panels: DashboardPanel[] };
}

export function alertRules(): { alert: string; expr: string }[] {
  const file = parse(readFileSync(ALERTS_FILE, 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
  return file.groups.flatMap((group) => group.rules);
}

/** Metric names in a PromQL expression: ours (`orchestrator_…`) and the Temporal SDK's (`temporal_…`). */
export function metricNames(expr: string): string[] {
  return [...new Set([...expr.matchAll(/\b(?:orchestrator|temporal)_[a-z0-9_]+\b/g)].map(([name]) => name))];
}

/** Every metric name the dashboard and the alerts query. */
export function queriedMetricNames(): string[] {
  const exprs = [...dashboard().panels.flatMap((panel) => panel.targets.map((target) => target.expr)), ...alertRules().map((rule) => rule.expr)];
  return [...new Set(exprs.flatMap(metricNames))].sort();
}

/**
 * The Temporal SDK metrics the dashboard and the alerts use (its runtime's Prometheus exporter, in
 * seconds). test/metrics/metrics.test.ts checks that a live worker serves them.
 */
export const SDK_METRICS = ['temporal_workflow_task_schedule_to_start_latency', 'temporal_activity_schedule_to_start_latency', 'temporal_worker_task_slots_available'];

/** The series name without a histogram's `_bucket`, `_count`, `_sum`. */
export const baseName = (name: string): string => name.replace(/_(bucket|count|sum)$/, '');
