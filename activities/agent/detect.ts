import execa from 'execa';
import { existsSync } from 'node:fs';
import { normalizeRuntimeName, parseVersion, PROBED_RUNTIMES, type RuntimeKind } from '../../src/attune/runtimes';
import type { DetectedRuntime } from '../../src/temporal/contracts';
import { findOnPath } from './find-on-path';
import { loadRuntimeHints, type RuntimeHints } from './runtime-hints';

const PROBE_TIMEOUT_MS = 5000;

/**
 * Probes the image for interpreters, each probe bounded in time. With an override list only the
 * named runtimes are kept (alias-aware, unlike Attune's exact match, so `nodejs` keeps `node`).
 */
export async function detectRuntimes(env: NodeJS.ProcessEnv, override?: string[], hints: RuntimeHints | null = loadRuntimeHints()): Promise<DetectedRuntime[]> {
  const wanted = override?.map(normalizeRuntimeName);
  const probes = PROBED_RUNTIMES.filter((p) => !wanted || wanted.includes(p.name));
  const [probed, declared] = await Promise.all([
    Promise.all(probes.map((p) => runProbe(p, env))),
    Promise.all((hints?.runtimes ?? []).filter((h) => !wanted || wanted.includes(normalizeRuntimeName(h.name))).map((h) => declaredRuntime(h, env))),
  ]);
  // The hints file wins on conflicts: a declared runtime replaces the probed one in place.
  const out = probed.filter((r): r is DetectedRuntime => r !== null);
  for (const d of declared) {
    if (!d) continue;
    const at = out.findIndex((r) => r.name === d.name);
    if (at >= 0) out[at] = d;
    else out.push(d);
  }
  return out;
}

/** A runtime declared in .attune-runtime.yaml; skipped when its path is not an executable file. */
async function declaredRuntime(hint: RuntimeHints['runtimes'][number], env: NodeJS.ProcessEnv): Promise<DetectedRuntime | null> {
  const name = normalizeRuntimeName(hint.name);
  if (!findOnPath(hint.path, env.PATH)) return null;
  if (hint.version !== undefined) return { name, path: hint.path, version: hint.version };
  const run = await execa(hint.path, hint.version_args ?? ['--version'], { reject: false, timeout: PROBE_TIMEOUT_MS, env: { PATH: env.PATH ?? '' }, extendEnv: false, stdin: 'ignore' });
  return { name, path: hint.path, version: parseVersion(`${run.stdout ?? ''}${run.stderr ?? ''}`) };
}

async function runProbe(probe: RuntimeKind, env: NodeJS.ProcessEnv): Promise<DetectedRuntime | null> {
  for (const binary of probe.binaries) {
    const located = probe.name === 'shell' && existsSync(`/bin/${binary}`) ? `/bin/${binary}` : findOnPath(binary, env.PATH);
    if (!located) continue;
    const run = await execa(located, probe.versionArgs, { reject: false, timeout: PROBE_TIMEOUT_MS, env: { PATH: env.PATH ?? '' }, extendEnv: false, stdin: 'ignore' });
    return { name: probe.name, path: located, version: parseVersion(`${run.stdout ?? ''}${run.stderr ?? ''}`, probe.quotedVersion) };
  }
  return null;
}
