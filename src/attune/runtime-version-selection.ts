import { satisfies } from './version-constraint';

export interface RuntimeVersionRow {
  version: string;
  execution_config: unknown;
  is_default: boolean;
  available: boolean;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/**
 * Attune's version selection (§2.5, §3.6): keep the registered versions the worker advertises (equal, or
 * the advertised version satisfies the registered one as a constraint: 3.12 matches 3.12.13), then the
 * highest satisfying the action's constraint; without one, the default version, else the highest.
 * Null: no override, the runtime's own execution_config applies.
 */
export function selectRuntimeVersion(
  rows: RuntimeVersionRow[],
  advertised: string[],
  constraint: string | null,
): RuntimeVersionRow | null {
  const offered = rows.filter((r) => r.available && advertised.some((a) => a === r.version || safeSatisfies(a, r.version)));
  if (offered.length === 0) return null;
  const sorted = [...offered].sort((a, b) => compareVersions(b.version, a.version));
  if (constraint && constraint.trim() !== '') return sorted.find((r) => safeSatisfies(r.version, constraint)) ?? null;
  return sorted.find((r) => r.is_default) ?? sorted[0]!;
}

function safeSatisfies(version: string, constraint: string): boolean {
  try {
    return satisfies(version, constraint);
  } catch {
    return false;
  }
}
