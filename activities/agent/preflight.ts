import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../../src/log';

export interface WritableDir {
  /** What it is for, and the variable that moves it. */
  role: string;
  variable: string;
  dir: string;
}

/** Why `dir` cannot hold the agent's files, or null when it can (created when missing). */
export function unwritableReason(dir: string): string | null {
  try {
    mkdirSync(dir, { recursive: true });
    const probe = mkdtempSync(path.join(dir, '.attune-agent-probe-'));
    rmSync(probe, { recursive: true, force: true });
    return null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  }
}

function whoAmI(): string {
  return process.getuid && process.getgid ? `uid ${process.getuid()} gid ${process.getgid()}` : 'this user';
}

/**
 * The artifacts, runtime-envs and temp dirs must be writable (with a read-only root filesystem they
 * must be volumes). If one is not, the agent says so plainly and waits, re-checking, instead of
 * exiting into a crash loop; a stop signal ends the wait. Returns false when stopped while waiting.
 */
export async function waitForWritableDirs(dirs: WritableDir[], log: Logger, opts: { retryMs: number; stopped: () => boolean }): Promise<boolean> {
  for (;;) {
    const problems = dirs.flatMap((d) => {
      const reason = unwritableReason(d.dir);
      return reason ? [`${d.role} ${d.dir} is not writable by ${whoAmI()} (${reason}): mount a writable volume there (Kubernetes: fsGroup) or set ${d.variable}`] : [];
    });
    if (problems.length === 0) return true;
    for (const p of problems) log.error(p);
    log.error(`agent not started: re-checking in ${Math.round(opts.retryMs / 1000)} s`);
    const deadline = Date.now() + opts.retryMs;
    while (Date.now() < deadline) {
      if (opts.stopped()) return false;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export function agentWritableDirs(config: { artifactsDir: string; runtimeEnvsDir: string }): WritableDir[] {
  return [
    { role: 'artifacts dir', variable: 'ATTUNE__ARTIFACTS_DIR', dir: config.artifactsDir },
    { role: 'runtime envs dir', variable: 'ATTUNE__RUNTIME_ENVS_DIR', dir: config.runtimeEnvsDir },
    { role: 'temp dir (parameter files, inline scripts)', variable: 'TMPDIR', dir: os.tmpdir() },
  ];
}
