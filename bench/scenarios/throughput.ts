import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchConfig } from '../config';
import type { BenchHarness } from '../harness';
import { log } from '../log';
import { cpuTimeMs, MiB, nowMs, procStatusKiB, ratio, until } from '../stats';
import { CpuMeter, pidsMatching } from '../process-cpu';
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

// The services the bench does not start: the dev server, PostgreSQL (postmaster and backends), RabbitMQ's VM.
const devServer = { pids: () => pidsMatching(/temporal server start-dev/) };
const postgres = { pids: () => pidsMatching(/^(\S*\/bin\/postgres |postgres: )/) };
const rabbitmq = { pids: () => pidsMatching(/beam\.smp/) };

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
  // Where the CPU of the one-agent runs goes, and the floors' (each process of the same run).
  const floors = bench.floorWorkerPids;
  const cpu = {
    adapter: new CpuMeter({ bridge: { pids: () => [bridgePid] }, agent: { pids: () => [d.agents[0]!.pid], children: true }, devServer, postgres, rabbitmq }),
    engineFloor: new CpuMeter({ worker: { pids: () => [floors.engine], children: true }, devServer }),
    engineEagerFloor: new CpuMeter({ worker: { pids: () => [floors.eager], children: true }, devServer }),
  };
  let oneAgentExecutions = 0;
  for (const c of cfg.concurrency) {
    const f = { concurrency: c, n: cfg.tputN(c), perSec: await cpu.engineFloor.measure(() => closedLoop(c, cfg.tputN(c), () => bench.engineOnce())) };
    const e = { concurrency: c, n: cfg.tputN(c), perSec: await cpu.engineEagerFloor.measure(() => closedLoop(c, cfg.tputN(c), () => bench.engineEagerOnce())) };
    const a = await cpu.adapter.measure(() => measured(c));
    oneAgentExecutions += a.n;
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
  const cpuPer1000 = {
    executions: oneAgentExecutions,
    adapter: cpu.adapter.per1000(oneAgentExecutions),
    engineFloor: cpu.engineFloor.per1000(oneAgentExecutions),
    engineEagerFloor: cpu.engineEagerFloor.per1000(oneAgentExecutions),
  };
  log(`CPU ms per 1000 executions (1 agent): adapter ${JSON.stringify(cpuPer1000.adapter)}, engine floor ${JSON.stringify(cpuPer1000.engineFloor)}, eager ${JSON.stringify(cpuPer1000.engineEagerFloor)}`);
  return { throughput: { unit: 'executions/s', engineFloor, engineEagerFloor, adapter1, adapter2, bridge, cpuPer1000 }, secondAgentStopped };
}
