import { ownValue, pointerTokens, setOwn } from './own-keys';

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
export function redactAt(data: unknown, paths: string[]): { redacted: unknown; taken: Map<string, unknown> } {
  const taken = new Map<string, unknown>();
  if (paths.length === 0 || data === null || typeof data !== 'object') return { redacted: data, taken };
  const copy = structuredClone(data) as Record<string, unknown>;
  for (const pointer of paths) {
    const parts = pointerTokens(pointer);
    if (parts.length === 0) continue;
    // Own keys only: a schema or pointer naming __proto__ or constructor never reaches a prototype.
    let node: object | undefined = copy;
    for (const part of parts.slice(0, -1)) {
      const next: unknown = node === undefined ? undefined : ownValue(node, part);
      node = next !== null && typeof next === 'object' ? next : undefined;
    }
    const last = parts[parts.length - 1]!;
    if (node && Object.hasOwn(node, last)) {
      taken.set(pointer, ownValue(node, last));
      setOwn(node, last, { ...SECRET_MARKER });
    }
  }
  return { redacted: copy, taken };
}
