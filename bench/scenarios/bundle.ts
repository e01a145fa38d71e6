import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { summarizeAgentStarts, timeAgentStart, type AgentStartTrial } from '../agent-start';
import { ensureBundle } from '../bundle-cache';
import type { BenchConfig } from '../config';
import type { BenchHarness } from '../harness';
import { processTreeRssKiB } from '../stats';
import type { BundleFigures, BundleSize } from './types';

const du = (p: string): number => (statSync(p).isDirectory() ? readdirSync(p).reduce((s, f) => s + du(path.join(p, f)), 0) : statSync(p).size);

/**
 * The injected bundle, if this build has `bundle`: its sizes, and its agent started the way a container would
 * (the bundle bind-mounted at /opt/attune/agent, in a private mount namespace so the host's /opt is untouched).
 */
export async function measureBundle(bench: BenchHarness, cfg: BenchConfig): Promise<BundleFigures> {
  const built = ensureBundle();
  if ('notAvailable' in built) return { coldStart: built, idleRssMiB: built, size: built };
  const { out, dir, buildSeconds } = built;
  const tarballs = readdirSync(out).filter((f) => /\.tar\.(gz|zst)$/.test(f)).map((f) => ({ file: f, bytes: statSync(path.join(out, f)).size }));
  const rawBytes = du(dir);
  const size: BundleSize = {
    buildSeconds,
    rawBytes,
    rawMiB: Math.round((rawBytes / 1048576) * 10) / 10,
    tarGzBytes: tarballs.find((t) => t.file.endsWith('.tar.gz'))?.bytes ?? null,
    tarZstBytes: tarballs.find((t) => t.file.endsWith('.tar.zst'))?.bytes ?? null,
  };
  if (!existsSync('/usr/bin/unshare') && !existsSync('/bin/unshare')) {
    const na = { notAvailable: 'unshare(1) missing: cannot mount the bundle at /opt/attune/agent privately' };
    return { coldStart: na, idleRssMiB: na, size };
  }
  // The mount setup runs before exec of the launcher; its cost (~ms) is inside the figure, stated in README.
  const script = `mount -t tmpfs bench /opt && mkdir -p /opt/attune/agent && mount --bind "$1" /opt/attune/agent && exec /opt/attune/agent/attune-agent`;
  const trials: AgentStartTrial[] = [];
  try {
    for (let i = 0; i < cfg.coldTrials; i++) {
      // Killed through the launcher: its child (node) has PR_SET_PDEATHSIG(SIGKILL).
      trials.push(await timeAgentStart(bench, cfg.idleMs, {
        name: `${bench.d.pool}-coldb${i}`,
        cmd: 'unshare',
        args: ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', dir],
        logName: `coldb-${i}.log`,
        pollTimeoutMs: 60_000,
        rssKiB: processTreeRssKiB,
      }));
    }
  } catch (err) {
    const na = { notAvailable: `bundle agent did not start: ${String(err).slice(0, 300)}` };
    return { coldStart: na, idleRssMiB: na, size };
  }
  const { idleRssMiB, ...coldStart } = summarizeAgentStarts(trials);
  return { coldStart, idleRssMiB, size };
}
