/** Reading the shipped Grafana dashboard: its panels and the metrics their queries use. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DashboardTarget {
  refId: string;
  expr: string;
}

export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: DashboardTarget[];
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: DashboardPanel[];
  templating: { list: { name: string; type: string; query: unknown }[] };
}

export const DASHBOARD_PATH = 'deploy/grafana/trace2test-dashboard.json';

export function loadDashboard(root: string): Dashboard {
  return JSON.parse(readFileSync(join(root, DASHBOARD_PATH), 'utf8')) as Dashboard;
}

/** Every PromQL expression of the dashboard, panel queries and template variables alike. */
export function dashboardQueries(d: Dashboard): string[] {
  const panels = d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  const variables = d.templating.list.flatMap((v) =>
    v.type === 'query' ? [(v.query as { query: string }).query] : [],
  );
  return [...panels, ...variables];
}

/**
 * Metric names a PromQL expression reads: identifiers that are neither function calls, label
 * names inside `{…}` / `by (…)`, nor strings or range durations. Histogram series (`_bucket`,
 * `_sum`, `_count`) are named by the histogram they belong to.
 */
export function metricsOf(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const rest = stripped.slice(m.index + m[0].length);
    if (/^\s*\(/.test(rest)) continue; // a function call (sum, rate, label_values, …)
    if (/^\d/.test(m[0])) continue;
    names.add(m[0].replace(/_(bucket|sum|count)$/, ''));
  }
  return [...names].filter((n) => /_/.test(n)); // PromQL keywords and numbers have none
}

/** Metric families a Prometheus text exposition declares (`# TYPE name …`). */
export function exportedMetrics(exposition: string): Set<string> {
  return new Set([...exposition.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
}
