import type { BenchConfig } from '../config';
import type { BenchHarness } from '../harness';
import { log } from '../log';
import { cpuTimeMs, MiB, nowMs, procStatusKiB, ratio } from '../stats';
import type { BacklogFigures, NotAvailable } from './types';

/** How long the drain may take before the scenario gives up (10 000 took 635 s in the run of 2026-12-03). */
const DRAIN_DEADLINE_MS = 60 * 60_000;
const RSS_SAMPLE_MS = 1000;

/**
 * 6. A backlog (the figure is the full run's 10 000): `cfg.backlogN` rows created, then their dispatches
 * published as fast as the broker confirms them, with two agents in the pool. Drain time = first publish → the last ExecutionCompleted. The
 * bridge's RSS is sampled every second: "flat" is read from the drain's first and last tenths (the bridge holds
 * no per-execution state after a report, so what grows with the backlog is the workflow cache and the broker's
 * unacked window, both bounded).
 */
export async function measureBacklog(bench: BenchHarness, cfg: BenchConfig): Promise<BacklogFigures | NotAvailable> {
  const n = cfg.backlogN;
  if (n === 0) return { notAvailable: 'skipped (--backlog 0)' };
  const { d } = bench;
  for (let k = d.agents.filter((a) => a.running).length; k < 2; k++) d.startAgent();
  await d.waitForWorker();
  log(`backlog: creating ${n} rows`);
  const ids: number[] = [];
  for (let k = 0; k < n; k++) ids.push(await d.createExecution('bench.trivial'));

  const bridgePid = d.bridge!.pid;
  const cpuBeforeMs = cpuTimeMs(bridgePid);
  const samples: { done: number; rssMiB: number }[] = [];
  let done = 0;
  const sample = () => samples.push({ done, rssMiB: MiB(procStatusKiB(bridgePid, 'VmRSS')) });
  // One sample at the first publish and one after the last completion: each tenth has at least one.
  sample();
  const rssBeforeMiB = samples[0]!.rssMiB;
  const sampler = setInterval(sample, RSS_SAMPLE_MS);
  try {
    log(`backlog: publishing ${n} dispatches (bridge RSS ${rssBeforeMiB} MiB)`);
    const t0 = nowMs();
    const completions = ids.map((id) => bench.clock.wait(id, DRAIN_DEADLINE_MS).then((t) => {
      done++;
      if (done % 1000 === 0) log(`backlog: ${done}/${n} completed after ${Math.round((t - t0) / 1000)} s`);
      return t;
    }));
    for (const id of ids) await bench.publishDispatch(id, 'bench.trivial');
    const publishSeconds = Math.round((nowMs() - t0) / 100) / 10;
    log(`backlog: ${n} dispatches published in ${publishSeconds} s`);
    const last = Math.max(...(await Promise.all(completions)));
    sample();
    const cpuMsPer1000 = Math.round(((cpuTimeMs(bridgePid) - cpuBeforeMs) / n) * 1000);
    const drainSeconds = Math.round((last - t0) / 100) / 10;
    // The drain's first and last tenths, by completions: the RSS it settles at early against late.
    const tenth = (from: number, to: number) => {
      const inRange = samples.filter((s) => s.done >= from * n && s.done <= to * n).map((s) => s.rssMiB);
      return Math.max(...inRange);
    };
    const firstTenthPeakMiB = tenth(0, 0.1);
    const lastTenthPeakMiB = tenth(0.9, 1);
    const peakRssMiB = Math.max(...samples.map((s) => s.rssMiB));
    const figures: BacklogFigures = {
      n,
      publishSeconds,
      drainSeconds,
      perSec: Math.round((n / drainSeconds) * 100) / 100,
      bridge: { cpuMsPer1000, rssBeforeMiB, peakRssMiB, firstTenthPeakMiB, lastTenthPeakMiB, lastToFirstTenth: ratio(lastTenthPeakMiB, firstTenthPeakMiB), samples: samples.length },
    };
    log(`backlog: ${n} drained in ${drainSeconds} s (${figures.perSec}/s); bridge CPU ${cpuMsPer1000} ms per 1000, RSS ${rssBeforeMiB} → peak ${peakRssMiB} MiB, first tenth ${firstTenthPeakMiB}, last tenth ${lastTenthPeakMiB}`);
    return figures;
  } finally {
    clearInterval(sampler);
  }
}
