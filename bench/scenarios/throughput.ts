import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchConfig } from '../config';
import type { BenchHarness } from '../harness';
import { log } from '../log';
import { cpuTimeMs, MiB, nowMs, procStatusKiB, ratio, until } from '../stats';
import type { AdapterThroughputPoint, ThroughputFigures, ThroughputPoint } from './types';

/** Closed loop: `c` workers take the next of `n` executions until none is left; executions per second. */
async function closedLoop(c: number, n: number, one: (k: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = nowMs();
  await Promise.all(Array.from({ length: c }, async () => {
    while (next < n) await one(next++);
  }));
  return Math.round((n / ((nowMs() - t0) / 1000)) * 100) / 100;
}

/** The adapter's rows are created beforehand: the clock covers publish → ExecutionCompleted. */
async function adapterThroughput(bench: BenchHarness, c: number, n: number): Promise<ThroughputPoint> {
  const ids: number[] = [];
  for (let k = 0; k < n; k++) ids.push(await bench.d.createExecution('bench.trivial'));
  const perSec = await closedLoop(c, n, async (k) => {
    const id = ids[k]!;
    await bench.publishDispatch(id, 'bench.trivial');
    await bench.clock.wait(id);
  });
  return { concurrency: c, n, perSec };
}

/**
 * 2. Throughput at each concurrency: engine floor and adapter with one agent, then the adapter with a second
 * agent process in the same pool. The second agent's graceful stop is only begun here (it stops polling at once
 * and exits within its grace): `secondAgentStopped` resolves when it has exited.
 */
export async function measureThroughput(bench: BenchHarness, cfg: BenchConfig): Promise<{ throughput: ThroughputFigures; secondAgentStopped: Promise<unknown> }> {
  const { d } = bench;
  const engineFloor: ThroughputPoint[] = [];
  const engineEagerFloor: ThroughputPoint[] = [];
  const adapter1: AdapterThroughputPoint[] = [];
  const adapter2: AdapterThroughputPoint[] = [];
  // The bridge's cost: CPU time and peak RSS over every adapter execution of this scenario.
  const bridgePid = d.bridge!.pid;
  let bridgeCpuMs = 0;
  let adapterExecutions = 0;
  const measured = async (c: number) => {
    const before = cpuTimeMs(bridgePid);
    const point = await adapterThroughput(bench, c, cfg.tputN(c));
    bridgeCpuMs += cpuTimeMs(bridgePid) - before;
    adapterExecutions += point.n;
    return point;
  };
  for (const c of cfg.concurrency) {
    const f = { concurrency: c, n: cfg.tputN(c), perSec: await closedLoop(c, cfg.tputN(c), () => bench.engineOnce()) };
    const e = { concurrency: c, n: cfg.tputN(c), perSec: await closedLoop(c, cfg.tputN(c), () => bench.engineEagerOnce()) };
    const a = await measured(c);
    engineFloor.push(f);
    engineEagerFloor.push(e);
    adapter1.push({ ...a, ratioToEngine: ratio(a.perSec, f.perSec), ratioToEagerEngine: ratio(a.perSec, e.perSec) });
    log(`throughput c=${c}: adapter(1 agent) ${a.perSec}/s, engine floor ${f.perSec}/s, eager engine floor ${e.perSec}/s`);
  }
  const second = d.startAgent();
  const secondLog = path.join(d.dir, 'agent-1.log');
  await until(() => (existsSync(secondLog) && readFileSync(secondLog, 'utf8').includes('agent polling') ? true : undefined), 60_000, 'second agent polling', 50);
  for (const c of cfg.concurrency) {
    const a = await measured(c);
    const f = engineFloor.find((x) => x.concurrency === c)!;
    const e = engineEagerFloor.find((x) => x.concurrency === c)!;
    adapter2.push({ ...a, ratioToEngine: ratio(a.perSec, f.perSec), ratioToEagerEngine: ratio(a.perSec, e.perSec) });
    log(`throughput c=${c}: adapter(2 agents) ${a.perSec}/s`);
  }
  const secondAgentStopped = second.stop();
  const bridge = { executions: adapterExecutions, cpuMsPer1000: Math.round((bridgeCpuMs / adapterExecutions) * 1000), peakRssMiB: MiB(procStatusKiB(bridgePid, 'VmHWM')) };
  log(`bridge: ${bridge.cpuMsPer1000} ms CPU per 1000 executions, peak RSS ${bridge.peakRssMiB} MiB`);
  return { throughput: { unit: 'executions/s', engineFloor, engineEagerFloor, adapter1, adapter2, bridge }, secondAgentStopped };
}
