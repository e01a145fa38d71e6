import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { dashboardMetricNames, loadDashboard, queryPanels } from '../helpers/grafana-dashboard';
import { exposedSampleNames, labelValuesMetric, promqlMetricNames } from '../helpers/promql-metric-names';

describe('PromQL metric-name extraction', () => {
  it('keeps metrics, drops functions, aggregations, labels, strings, durations, numbers and Grafana variables', () => {
    expect(promqlMetricNames('histogram_quantile(0.95, sum by (le, pool) (rate(attune_temporal_claim_wait_seconds_bucket{pool=~"$pool"}[$__rate_interval])))'))
      .toEqual(['attune_temporal_claim_wait_seconds_bucket']);
    expect(promqlMetricNames('sum by (status) (rate(a_sum[5m])) / sum by (status) (rate(a_count[5m]))')).toEqual(['a_count', 'a_sum']);
    expect(promqlMetricNames('rate(process_cpu_seconds_total{job="attune-temporal-bridge"}[1m]) * 100')).toEqual(['process_cpu_seconds_total']);
    // Bare selectors, binary operators, vector matching, offset and `sum(...) by (...)` in trailing form.
    expect(promqlMetricNames('up == 0 and on (instance) node_boot offset 1h or sum(x) by (job) > bool 1e3')).toEqual(['node_boot', 'up', 'x']);
    expect(promqlMetricNames('max by (pool) (attune_temporal_executions_in_flight)')).toEqual(['attune_temporal_executions_in_flight']);
    expect(promqlMetricNames('sum(rate(foo:recorded_rule[5m] offset $shift))')).toEqual(['foo:recorded_rule']);
    expect(promqlMetricNames('vector(1)')).toEqual([]);
  });

  it('reads label_values variables and an exposition\'s sample names (not bare HELP/TYPE lines)', () => {
    expect(labelValuesMetric('label_values(attune_temporal_dispatches_received_total, pool)')).toBe('attune_temporal_dispatches_received_total');
    expect(labelValuesMetric('label_values(m{job="x"}, pool)')).toBe('m');
    expect(labelValuesMetric('label_values(pool)')).toBeUndefined();
    const text = '# HELP a_total A\n# TYPE a_total counter\na_total{pool="p"} 1\n# HELP never_seen_total B\n# TYPE never_seen_total counter\nh_bucket{le="+Inf"} 2\nplain 3\n';
    expect([...exposedSampleNames(text)].sort()).toEqual(['a_total', 'h_bucket', 'plain']);
  });
});

describe('the Compose stack\'s Grafana dashboard (docker/grafana/dashboards/attune-temporal.json)', () => {
  const dashboard = loadDashboard();
  const panels = queryPanels(dashboard);

  it('is a provisionable dashboard with a stable uid and a Prometheus datasource variable', () => {
    expect(dashboard.uid).toBe('attune-temporal');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.templating.list.find((v) => v.name === 'datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(panels.length).toBeGreaterThanOrEqual(15);
  });

  it('has unique panel ids, and every panel a Prometheus datasource by variable and at least one query', () => {
    // Rows and their collapsed children included: Grafana keys panel state (links, edits) by id.
    const ids = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => Number.isInteger(id) && id > 0)).toBe(true);
    for (const p of panels) {
      expect({ title: p.title, datasource: p.datasource }).toEqual({ title: p.title, datasource: { type: 'prometheus', uid: '${datasource}' } });
      expect(p.targets?.length ?? 0).toBeGreaterThan(0);
      const refIds = (p.targets ?? []).map((t) => t.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
      for (const t of p.targets ?? []) {
        expect(t.expr?.trim()).toBeTruthy();
        expect(t.datasource ?? p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
        // A panel query that names no metric would be checked against nothing by the e2e test.
        expect(promqlMetricNames(t.expr!).length).toBeGreaterThan(0);
      }
    }
  });

  it('reads the bridge\'s, the process\'s and the Temporal SDK\'s metrics', () => {
    const names = dashboardMetricNames(dashboard);
    expect(names.filter((n) => n.startsWith('attune_temporal_')).length).toBeGreaterThanOrEqual(8);
    expect(names.filter((n) => n.startsWith('temporal_')).length).toBeGreaterThanOrEqual(5);
    expect(names).toEqual(expect.arrayContaining(['process_cpu_seconds_total', 'process_resident_memory_bytes']));
  });
});

describe('the observability profile\'s provisioning (docker/grafana, docker/prometheus)', () => {
  const docker = path.join(__dirname, '..', '..', 'docker');
  const read = (file: string) => parse(readFileSync(path.join(docker, file), 'utf8')) as Record<string, unknown>;
  type Service = { profiles?: string[]; volumes?: string[]; environment?: Record<string, string> };
  const services = (read('compose.yaml') as { services: Record<string, Service> }).services;
  const mountTarget = (service: string, source: string) => services[service]!.volumes!.find((v) => v.startsWith(`${source}:`))?.split(':')[1];

  it('Grafana loads the dashboard from where Compose mounts it, off the Prometheus that Compose runs', () => {
    const providers = read('grafana/provisioning/dashboards/attune-temporal.yaml').providers as { options: { path: string } }[];
    expect(providers.map((p) => p.options.path)).toEqual([mountTarget('grafana', './grafana/dashboards')]);
    expect(mountTarget('grafana', './grafana/provisioning')).toBe('/etc/grafana/provisioning');
    const datasources = read('grafana/provisioning/datasources/prometheus.yaml').datasources as { type: string; url: string }[];
    expect(datasources).toEqual([expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090' })]);
    expect(services.prometheus!.profiles).toEqual(['observability']);
    expect(services.grafana!.profiles).toEqual(['observability']);
  });

  it('Prometheus scrapes the bridge on the ports the Compose file gives it', () => {
    const jobs = read('prometheus/prometheus.yml').scrape_configs as { job_name: string; static_configs: { targets: string[] }[] }[];
    const targets = Object.fromEntries(jobs.map((j) => [j.job_name, j.static_configs.flatMap((c) => c.targets)]));
    const env = services.bridge!.environment!;
    const defaultOf = (value: string) => /:-([^}]*)\}/.exec(value)?.[1];
    expect(targets['attune-temporal-bridge']).toEqual([`bridge:${defaultOf(env.ATTUNE_TEMPORAL_HTTP_PORT!)}`]);
    expect(targets['attune-temporal-bridge-sdk']).toEqual([`bridge:${defaultOf(env.ATTUNE_TEMPORAL_SDK_METRICS_ADDRESS!)!.split(':')[1]}`]);
    // The process panels select the bridge's job by name.
    expect(JSON.stringify(loadDashboard())).toContain('job=\\"attune-temporal-bridge\\"');
  });
});
