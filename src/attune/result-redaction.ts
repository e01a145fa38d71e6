import { hasJsonChild, jsonChild, ownValue, pointerTokens, setOwn } from './own-keys';
import { parameterProvenance, schemaProvenance } from './secret-provenance';

/** Attune's marker for a value that was moved out of a row into `execution_secret_value`. */
export const SECRET_MARKER = { $attune_secret: true, redacted: true } as const;

const escape = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * JSON pointers (relative to the parsed output) of the fields an action's out_schema marks
 * `secret: true`. Accepts both shapes packs use: JSON Schema (`properties`, nested) and the flat
 * `{field: {type, secret}}` map.
 */
export function secretOutputPaths(schema: unknown, prefix = ''): string[] {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return [];
  const s = schema as Record<string, unknown>;
  const properties = ownValue(s, 'properties');
  const fields = properties !== null && typeof properties === 'object' ? (properties as Record<string, unknown>) : s;
  const paths: string[] = [];
  for (const [key, field] of Object.entries(fields)) {
    if (field === null || typeof field !== 'object' || Array.isArray(field)) continue;
    const pointer = `${prefix}/${escape(key)}`;
    if (ownValue(field, 'secret') === true) paths.push(pointer);
    else if (ownValue(field, 'properties')) paths.push(...secretOutputPaths(field, pointer));
  }
  return paths;
}

/**
 * Replaces the values at `paths` inside `data` with the marker and returns what was taken out, by pointer.
 * Paths that are absent from the output are skipped.
 */
export function redactAt(data: unknown, paths: readonly string[]): { redacted: unknown; taken: Map<string, unknown> } {
  const taken = new Map<string, unknown>();
  if (paths.length === 0 || data === null || typeof data !== 'object') return { redacted: data, taken };
  const copy = structuredClone(data) as Record<string, unknown>;
  for (const pointer of paths) {
    const parts = pointerTokens(pointer);
    if (parts.length === 0) continue;
    // Own keys only: a schema or pointer naming __proto__ or constructor never reaches a prototype.
    let node: object | undefined = copy;
    for (const part of parts.slice(0, -1)) {
      const next: unknown = node === undefined ? undefined : jsonChild(node, part);
      node = next !== null && typeof next === 'object' ? next : undefined;
    }
    const last = parts[parts.length - 1]!;
    if (node && hasJsonChild(node, last)) {
      taken.set(pointer, jsonChild(node, last));
      setOwn(node, last, { ...SECRET_MARKER });
    }
  }
  return { redacted: copy, taken };
}

/** Whether `value` is Attune's marker (`is_redaction_marker`: an object whose `$attune_secret` is true). */
export function isSecretMarker(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && ownValue(value, '$attune_secret') === true;
}

/** One value taken out of a result, as Attune stores it under entity `execution_result`. */
export interface ResultSecret {
  /** Pointer into the whole result: `/data<out_schema pointer>`, `/stdout` or `/error`. */
  jsonPath: string;
  value: unknown;
  /** Serialized SecretProvenance (see secret-provenance.ts). */
  sourceRef: string;
}

/** The raw text fields that may echo a secret parameter; Attune takes each out whole. */
const RAW_TEXT_FIELDS = ['stdout', 'error'] as const;

/**
 * Attune's `redact_action_result` (crates/common/src/secret_values.rs): the out_schema secret fields of
 * `data` are taken out; the execution's secret parameters are not looked for in `data`, they only become the
 * provenance of what is taken. When the execution has secret parameters or secret output fields at all,
 * `stdout` and `error` are taken out whole, since either may echo a secret and cannot be redacted by path.
 */
export function redactActionResult(
  result: Record<string, unknown>,
  secrets: { outSchemaPaths: readonly string[]; parameterPaths: readonly string[]; executionId: number },
): { result: Record<string, unknown>; taken: ResultSecret[] } {
  const inherited = secrets.parameterPaths.length > 0 ? parameterProvenance(secrets.executionId, secrets.parameterPaths) : undefined;
  const next: Record<string, unknown> = { ...result };
  const taken: ResultSecret[] = [];
  if (Object.hasOwn(result, 'data')) {
    const { redacted, taken: fromData } = redactAt(result.data, secrets.outSchemaPaths);
    for (const [pointer, value] of fromData) taken.push({ jsonPath: `/data${pointer}`, value, sourceRef: inherited ?? schemaProvenance(pointer) });
    if (fromData.size > 0) {
      setOwn(next, 'data', redacted);
      // queue_ack is a copy of data.queue_ack: it must not keep what data no longer shows.
      if (next.queue_ack !== undefined && redacted !== null && typeof redacted === 'object') next.queue_ack = ownValue(redacted, 'queue_ack');
    }
  }
  if (inherited !== undefined || secrets.outSchemaPaths.length > 0) {
    for (const field of RAW_TEXT_FIELDS) {
      const value = ownValue(result, field);
      if (value === undefined || value === null || isSecretMarker(value)) continue;
      taken.push({ jsonPath: `/${field}`, value, sourceRef: inherited ?? schemaProvenance(`/${field}`) });
      next[field] = { ...SECRET_MARKER };
    }
  }
  return { result: next, taken };
}
