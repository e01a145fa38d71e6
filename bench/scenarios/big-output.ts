import { createWriteStream, rmSync } from 'node:fs';
import path from 'node:path';
import execa from 'execa';
import { SCRIPTS } from '../bench-pack';
import type { BenchConfig } from '../config';
import type { BenchHarness } from '../harness';
import { log } from '../log';
import { readMarker } from '../markers';
import { MiB, nowMs, procStatusKiB, ratio, sleep } from '../stats';
import type { BigOutputFigures } from './types';

/** MB per second, one decimal. */
const mbps = (MB: number, ms: number) => Math.round((MB / (ms / 1000)) * 10) / 10;

/**
 * 4. big_output.sh writes cfg.bigBytes to stdout through the agent, its RSS sampled every 20 ms; then the same
 * script under bare execa.
 */
export async function measureBigOutput(bench: BenchHarness, cfg: BenchConfig): Promise<BigOutputFigures> {
  const { d } = bench;
  const bytes = cfg.bigBytes;
  log(`big output: ${bytes / 1048576} MiB to stdout, through the agent and through bare execa`);
  const agent = d.agents[0]!;
  const pid = agent.pid;
  const rssBefore = procStatusKiB(pid, 'VmRSS');
  const hwmBefore = procStatusKiB(pid, 'VmHWM');
  let peak = rssBefore;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, procStatusKiB(pid, 'VmRSS'));
      await sleep(20);
    }
  })();
  const run = await bench.adapterOnce('bench.big_output', { bytes }, 600_000);
  sampling = false;
  await sampler;
  const hwmAfter = procStatusKiB(pid, 'VmHWM');
  const m = readMarker(d.markerDir, run.id);
  const row = await d.row(run.id);
  const MB = bytes / 1e6;
  // Floor: the same script under bare execa, stdout streamed into a file.
  const fid = `big-${d.id}`;
  const file = path.join(bench.floorMarkers, 'big.out');
  const f0 = nowMs();
  const child = execa('/bin/bash', [SCRIPTS.bigOutput], { input: JSON.stringify({ bytes }), env: bench.floorEnv({ ATTUNE_EXEC_ID: fid }), buffer: false });
  child.stdout!.pipe(createWriteStream(file));
  await child;
  const fDone = nowMs();
  const fm = readMarker(bench.floorMarkers, fid);
  rmSync(file, { force: true });
  const captureMBps = mbps(MB, m.exit - m.start);
  const floorMBps = mbps(MB, fm.exit - fm.start);
  return {
    bytes,
    finalStatus: row.status,
    agent: {
      rssBeforeMiB: MiB(rssBefore),
      rssPeakSampledMiB: MiB(peak),
      rssGrowthMiB: MiB(peak - rssBefore),
      vmHwmBeforeMiB: MiB(hwmBefore),
      vmHwmAfterMiB: MiB(hwmAfter),
      captureMBps,
      dispatchToCompletedMBps: mbps(MB, run.done - run.t0),
    },
    processFloor: { captureMBps: floorMBps, endToEndMBps: mbps(MB, fDone - f0) },
    ratioCaptureToFloor: ratio(captureMBps, floorMBps),
  };
}
