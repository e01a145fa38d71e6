/**
 * Attune's generated trace tag for an execution created without one (crates/common/src/trace_tag.rs,
 * default_execution_trace_tag): `execution-<action ref normalised>-<ms>`, where ASCII letters, digits, `.`, `_`
 * and `-` are kept (lower-cased), any other character becomes a `-` unless one was just written, and the
 * component is trimmed of `-` and cut to 200 characters (`unknown` when nothing is left).
 */
export function defaultExecutionTraceTag(actionRef: string, timestampMillis: number): string {
  let out = '';
  for (const ch of actionRef) {
    if (/^[A-Za-z0-9._-]$/.test(ch)) out += ch.toLowerCase();
    else if (!out.endsWith('-')) out += '-';
  }
  const component = out.replace(/^-+|-+$/g, '').slice(0, 200);
  return `execution-${component || 'unknown'}-${timestampMillis}`;
}
