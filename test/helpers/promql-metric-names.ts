/**
 * The metric names a PromQL expression reads, without a PromQL parser: small enough to read, strict enough that a
 * misspelt or renamed metric in a dashboard is caught (test/e2e/grafana-dashboard.test.ts compares them with a real
 * exposition). Histograms are referred to by their sample names (`…_bucket`, `…_sum`, `…_count`), which are also
 * what an exposition's sample lines carry, so no suffix needs adding or stripping.
 */

/** Words PromQL uses between or after selectors that look like identifiers but name no metric. */
const PROMQL_KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan', 'atan2']);

export function promqlMetricNames(expr: string): string[] {
  const stripped = expr
    // Label values and other strings first: `job="attune-temporal-bridge"` must not yield `attune`.
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    // Label matchers `{pool=~"$pool"}`: label names are not metrics (PromQL braces do not nest).
    .replace(/\{[^}]*\}/g, ' ')
    // Range and subquery selectors `[$__rate_interval]`, `[5m:1m]`.
    .replace(/\[[^\]]*\]/g, ' ')
    // Grouping and vector-matching label lists: `by (le, pool)`, `on (instance)`, `group_left (x)`.
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    // Grafana variables left outside brackets (`offset $shift`).
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = new Set<string>();
  // An identifier not glued to a digit or dot (`0.5`, `1e3`, `5m` are numbers and durations).
  for (const m of stripped.matchAll(/(?<![\w.:])([A-Za-z_:][\w:]*)(\s*\()?/g)) {
    const [, word, call] = m;
    if (call !== undefined) continue; // a function or aggregation: rate(…), sum(…), histogram_quantile(…)
    if (PROMQL_KEYWORDS.has(word!.toLowerCase())) continue;
    names.add(word!);
  }
  return [...names].sort();
}

/** The metric a Grafana `label_values(metric, label)` variable query reads (`label_values(label)` reads none). */
export function labelValuesMetric(query: string): string | undefined {
  const m = /^\s*label_values\(\s*([A-Za-z_:][\w:]*)\s*(?:\{[^}]*\})?\s*,/.exec(query);
  return m?.[1];
}

/** The sample names of a Prometheus text exposition: only series that have a value, not bare `# HELP`/`# TYPE`. */
export function exposedSampleNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const m = /^([A-Za-z_:][\w:]*)(?:\{|\s)/.exec(line);
    if (m) names.add(m[1]!);
  }
  return names;
}
