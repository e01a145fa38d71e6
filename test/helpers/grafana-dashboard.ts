import { readFileSync } from 'node:fs';
import path from 'node:path';
import { labelValuesMetric, promqlMetricNames } from './promql-metric-names';

/** The Compose stack's dashboard (docker/grafana/dashboards), read as the provisioning mounts it. */
export const DASHBOARD_PATH = path.join(__dirname, '..', '..', 'docker', 'grafana', 'dashboards', 'attune-temporal.json');

export interface DashboardTarget { refId?: string; expr?: string; datasource?: { type?: string; uid?: string } }
export interface DashboardPanel { id: number; type: string; title: string; datasource?: { type?: string; uid?: string }; targets?: DashboardTarget[]; panels?: DashboardPanel[] }
export interface DashboardVariable { name: string; type: string; query?: string | { query?: string } }
export interface Dashboard { uid: string; title: string; schemaVersion: number; panels: DashboardPanel[]; templating: { list: DashboardVariable[] } }

export function loadDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as Dashboard;
}

/** Every panel, rows' collapsed children included; rows themselves carry no query. */
export function queryPanels(d: Dashboard): DashboardPanel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');
}

/** Every metric name the dashboard reads: its panels' PromQL and its variables' label_values queries. */
export function dashboardMetricNames(d: Dashboard): string[] {
  const names = new Set<string>();
  for (const p of queryPanels(d)) for (const t of p.targets ?? []) for (const n of promqlMetricNames(t.expr ?? '')) names.add(n);
  for (const v of d.templating.list) {
    const q = typeof v.query === 'string' ? v.query : v.query?.query;
    const metric = v.type === 'query' && q ? labelValuesMetric(q) : undefined;
    if (metric) names.add(metric);
  }
  return [...names].sort();
}
