import { spawnSync } from 'node:child_process';
import { CLI } from '../../test/helpers/processes';
import { summarizeAgentStarts, timeAgentStart, type AgentStartTrial } from '../agent-start';
import type { BenchConfig } from '../config';
import type { BenchHarness } from '../harness';
import { log } from '../log';
import { MiB, nowMs, procStatusKiB, ratio, sleep, summarize } from '../stats';
import { measureBundle } from './bundle';
import type { AgentFigures } from './types';

/**
 * 3. The agent's cold start and idle RSS, from node and from the bundle, against the floors: an activities-only
 * Temporal worker and `node -e 0`; and the bundle's size.
 */
export async function measureAgentFootprint(bench: BenchHarness, cfg: BenchConfig): Promise<AgentFigures> {
  const { d } = bench;
  log(`agent cold start: ${cfg.coldTrials} trials each from node, bundle (if built), bare node, floor worker`);
  const nodeTrials: AgentStartTrial[] = [];
  for (let i = 0; i < cfg.coldTrials; i++) {
    nodeTrials.push(await timeAgentStart(bench, cfg.idleMs, {
      name: `${d.pool}-cold${i}`,
      cmd: process.execPath,
      args: [CLI, 'agent'],
      logName: `cold-${i}.log`,
      rssKiB: (pid) => procStatusKiB(pid, 'VmRSS'),
    }));
  }
  const floorTrials: { toPollMs: number; idleRssKiB: number }[] = [];
  const bareNode: number[] = [];
  for (let i = 0; i < cfg.coldTrials; i++) {
    const w = bench.spawnFloorWorker(`bench-cold-${d.id}-${i}`, `floor-cold-${i}.log`, true);
    const poll = await w.line(/^polling/);
    await sleep(cfg.idleMs);
    floorTrials.push({ toPollMs: poll - w.startedAt, idleRssKiB: procStatusKiB(w.child.pid!, 'VmRSS') });
    await w.kill();
    const t0 = nowMs();
    spawnSync(process.execPath, ['-e', '0']);
    bareNode.push(nowMs() - t0);
  }
  const fromNode = summarizeAgentStarts(nodeTrials);
  const floor = { toPollMs: summarize(floorTrials.map((t) => t.toPollMs)), idleRssMiB: MiB(Math.max(...floorTrials.map((t) => t.idleRssKiB))) };
  const bundle = await measureBundle(bench, cfg);
  return {
    coldStart: {
      unit: 'ms',
      fromNode,
      fromBundle: bundle.coldStart,
      engineFloorActivitiesOnlyWorker: floor,
      bareNodeStartExit: summarize(bareNode),
      ratioNodeToFloorPoll: ratio(fromNode.toPollMs.p50, floor.toPollMs.p50),
    },
    idleRssMiB: { agentFromNode: fromNode.idleRssMiB, agentFromBundle: bundle.idleRssMiB, engineFloorWorker: floor.idleRssMiB, ratioToFloor: ratio(fromNode.idleRssMiB, floor.idleRssMiB) },
    bundleSize: bundle.size,
  };
}
