import type { TestDeployment } from '../test/helpers/deployment';
import type { BenchHarness } from './harness';
import { MiB, nowMs, sleep, summarize, until } from './stats';
import type { AgentColdStart } from './scenarios/types';

export interface AgentStartTrial {
  toPollMs: number;
  toRowActiveMs: number;
  idleRssKiB: number;
}

/** How to start one agent: its fresh worker name (a pool of its own), its command, how to read its RSS. */
export interface AgentLaunch {
  name: string;
  cmd: string;
  args: string[];
  logName: string;
  pollTimeoutMs?: number;
  rssKiB: (pid: number) => number;
}

async function workerRowActive(d: TestDeployment, name: string): Promise<true | undefined> {
  const { rows } = await d.db.query(`SELECT 1 FROM worker WHERE name = $1 AND status = 'active'`, [name]);
  return rows.length > 0 ? true : undefined;
}

/**
 * One agent cold start: spawn → its `agent polling` line, and → its worker row `active` (the bridge registers
 * it); then it idles `idleMs`, its RSS is read, and it is killed.
 */
export async function timeAgentStart(bench: BenchHarness, idleMs: number, agent: AgentLaunch): Promise<AgentStartTrial> {
  const { d } = bench;
  const w = bench.spawn(agent.cmd, agent.args, d.agentEnv({ ATTUNE_WORKER_NAME: agent.name }), agent.logName);
  const [poll, row] = await Promise.all([w.line(/agent polling/, agent.pollTimeoutMs), until(() => workerRowActive(d, agent.name), 60_000, `worker row ${agent.name}`, 10).then(() => nowMs())]);
  await sleep(idleMs);
  const trial = { toPollMs: poll - w.startedAt, toRowActiveMs: row - w.startedAt, idleRssKiB: agent.rssKiB(w.child.pid!) };
  await w.kill();
  return trial;
}

/** The trials' start times as summaries; idle RSS as the largest seen. */
export function summarizeAgentStarts(trials: AgentStartTrial[]): AgentColdStart & { idleRssMiB: number } {
  return {
    toPollMs: summarize(trials.map((t) => t.toPollMs)),
    toRowActiveMs: summarize(trials.map((t) => t.toRowActiveMs)),
    idleRssMiB: MiB(Math.max(...trials.map((t) => t.idleRssKiB))),
  };
}
