/**
 * Makes a JSON value storable in PostgreSQL's `jsonb` (and `text`), by one rule applied to every string
 * and every object key, before anything is written:
 *
 * - U+0000 → U+FFFD. PostgreSQL's text types cannot hold NUL at all: jsonb rejects `\u0000` with SQLSTATE
 *   22P05 "unsupported Unicode escape sequence", a text parameter with 22021. U+FFFD is Unicode's
 *   replacement character, the stand-in a lossy decoder puts for what it cannot represent.
 * - each lone surrogate (a UTF-16 half without its partner) → U+FFFD, one per code unit. This is exactly
 *   what a UTF-8 encoder does with one (Node's Buffer and TextEncoder, `String.prototype.toWellFormed`):
 *   there is no UTF-8 for it, so the same text written to a log and read back with a lossy UTF-8 decoder
 *   carries U+FFFD there. jsonb rejects the escaped form (`"\ud800"`) with SQLSTATE 22P02.
 *
 * Nothing else changes: valid surrogate pairs (astral characters) stay, strings keep their length, and a
 * value holding neither character is returned as the very same object (so the common case costs one walk).
 * When two keys of one object become equal (`"a\u0000"` and `"a\ufffd"`), the later one in iteration
 * order gives the value, at the first one's place, as JSON.parse does with duplicate keys. Keys are set
 * as own properties (`__proto__` too), as JSON.parse sets them. Values that are not JSON (undefined,
 * functions…) pass through untouched.
 */
export function storableJson<T>(value: T): T {
  return walk(value) as T;
}

/** U+0000, or a high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const POISON = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const POISON_TEST = new RegExp(POISON.source);

export function storableString(s: string): string {
  return POISON_TEST.test(s) ? s.replace(POISON, '\ufffd') : s;
}

function walk(value: unknown): unknown {
  if (typeof value === 'string') return storableString(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const w = walk(v);
      if (w !== v && out === null) out = value.slice(0, i);
      if (out !== null) out.push(w);
    }
    return out ?? value;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  let changed = false;
  const next: [string, unknown][] = entries.map(([k, v]) => {
    const key = storableString(k);
    const w = walk(v);
    if (key !== k || w !== v) changed = true;
    return [key, w];
  });
  if (!changed) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of next) {
    // A key that became equal to an earlier one overwrites its value in place, like a duplicate key.
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
