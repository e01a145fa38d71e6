/**
 * Attune's lenient versions and constraints (crates/common/src/version_matching.rs, §3.6): `v` stripped,
 * missing parts padded; comma = AND; operators = >= <= > < ~ ^; a bare version means tilde
 * (`3.12` ≡ `>=3.12.0,<3.13.0`); an empty constraint matches anything.
 */
type Version = [number, number, number];

export function parseVersion(text: string): Version | null {
  const m = /^[vV]?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(text.trim());
  if (!m) return null;
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** Number of parts written (`3` → 1, `3.12` → 2), which decides what ~ and ^ allow. */
function precision(text: string): number {
  return text.trim().replace(/^[vV]/, '').split('.').filter(Boolean).length;
}

function satisfiesOne(v: Version, clause: string): boolean {
  const m = /^(>=|<=|>|<|=|~|\^)?\s*(.+)$/.exec(clause.trim());
  if (!m) throw new Error(`invalid version constraint "${clause}"`);
  const op = m[1] ?? '~';
  const target = parseVersion(m[2]!);
  if (!target) throw new Error(`invalid version constraint "${clause}"`);
  const c = compare(v, target);
  switch (op) {
    case '>=': return c >= 0;
    case '<=': return c <= 0;
    case '>': return c > 0;
    case '<': return c < 0;
    case '=': return c === 0;
    case '~': {
      const p = precision(m[2]!);
      const upper: Version = p <= 1 ? [target[0] + 1, 0, 0] : [target[0], target[1] + 1, 0];
      return c >= 0 && compare(v, upper) < 0;
    }
    default: {
      const upper: Version = target[0] > 0 ? [target[0] + 1, 0, 0] : target[1] > 0 ? [0, target[1] + 1, 0] : [0, 0, target[2] + 1];
      return c >= 0 && compare(v, upper) < 0;
    }
  }
}

export function satisfies(version: string, constraint: string | null | undefined): boolean {
  if (!constraint || constraint.trim() === '' || constraint.trim() === '*') return true;
  const v = parseVersion(version);
  if (!v) return false;
  return constraint.split(',').every((clause) => satisfiesOne(v, clause));
}
