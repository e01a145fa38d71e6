import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import type { BenchConfig } from '../config';
import type { KeptHistories } from '../history';
import { log } from '../log';
import { cpuTimeMs, ratio } from '../stats';
import type { WorkflowCpuFigures } from './types';

/** Where each side's workflow code is, as its worker bundles it: the bridge's from dist/, the floor's from bench/. */
const ADAPTER_WORKFLOWS = path.join(__dirname, '..', '..', 'dist', 'workflows');
const FLOOR_WORKFLOWS = path.join(__dirname, '..', 'floor-workflow.ts');

/**
 * 1b. The workflow code's own CPU per execution, without the server, the network or the other processes: the
 * execution's history kept by the latency scenario is replayed `cfg.replays` times on one replay worker (one
 * workflow bundle, each replay a fresh workflow, as a cache miss is), adapter and engine floor alike. The clock is
 * this process's utime + stime, read as the other CPU figures are (every thread: the workflows run on the SDK's
 * worker thread); it starts at the first replay's result, so bundling and the worker's start are not in it. What it is not: the bridge's local
 * activities, AMQP, PostgreSQL or the codec's network side — the throughput scenario's CPU row has the whole.
 */
export async function measureWorkflowCpu(histories: KeptHistories, adapterConverter: DataConverter, cfg: BenchConfig): Promise<WorkflowCpuFigures> {
  const adapter = await replayCpuMs({ workflowsPath: ADAPTER_WORKFLOWS, dataConverter: adapterConverter }, histories.adapter, cfg.replays);
  const engineFloor = await replayCpuMs({ workflowsPath: FLOOR_WORKFLOWS }, histories.engineFloor, cfg.replays);
  log(`workflow CPU per replayed execution: adapter ${adapter} ms, engine floor ${engineFloor} ms (${cfg.replays} replays each)`);
  return { unit: 'ms', replays: cfg.replays, adapter, engineFloor, ratioToEngine: ratio(adapter, engineFloor) };
}

/** CPU ms per replay of `history`, over `n` replays after a first one that is not counted. */
async function replayCpuMs(options: ReplayWorkerOptions, history: KeptHistories['adapter'], n: number): Promise<number> {
  const histories = Array.from({ length: n + 1 }, (_, i) => ({ workflowId: `bench-replay-${i}`, history }));
  let fromMs: number | null = null;
  let replayed = 0;
  for await (const result of Worker.runReplayHistories(options, histories)) {
    if (result.error) throw new Error(`replay of ${result.workflowId} failed: ${result.error.message.split('\n')[0]}`);
    if (fromMs === null) fromMs = cpuTimeMs(process.pid);
    else replayed++;
  }
  return Math.round(((cpuTimeMs(process.pid) - fromMs!) / replayed) * 100) / 100;
}
