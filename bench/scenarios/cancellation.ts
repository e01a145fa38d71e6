import execa from 'execa';
import { newEnvelope } from '../../src/attune/envelope';
import { ROUTING } from '../../src/attune/topology';
import { SCRIPTS } from '../bench-pack';
import type { BenchConfig } from '../config';
import type { BenchHarness } from '../harness';
import { log } from '../log';
import { waitStarted, waitTermMs } from '../markers';
import { nowMs, percentileRatio, summarize } from '../stats';
import type { CancellationFigures } from './types';

/**
 * 5. Cancel of a running trap_term.sh → the SIGTERM its trap records: through the adapter, the engine floor
 * (a `stop` signal, then a kill activity) and the process floor (kill from the parent), one of each per round.
 */
export async function measureCancellation(bench: BenchHarness, cfg: BenchConfig): Promise<CancellationFigures> {
  const { d, floorMarkers } = bench;
  log(`cancellation: ${cfg.cancelN} each (adapter, engine floor, process floor)`);
  const adapter: number[] = [];
  const toCompleted: number[] = [];
  const engine: number[] = [];
  const proc: number[] = [];
  for (let i = 0; i < cfg.cancelN; i++) {
    const id = await bench.startTrapTerm();
    // What Attune's API does: `canceling`, then the cancel message. The clock starts at the publish.
    await d.db.query(`UPDATE execution SET status = 'canceling' WHERE id = $1 AND status = 'running'`, [id]);
    const msg = newEnvelope('ExecutionCancelRequested', { execution_id: id, worker_id: d.workerId }, 'api-service');
    const t0 = nowMs();
    await d.publish(ROUTING.cancel(d.workerId), msg);
    adapter.push((await waitTermMs(d.markerDir, id)) - t0);
    toCompleted.push((await bench.clock.wait(id)) - t0);

    const wid = `floorc-${d.id}-${i}`;
    const h = await d.temporal.workflow.start('floorCancelWorkflow', { taskQueue: bench.floorQueue, workflowId: wid, args: [{ script: SCRIPTS.trapTerm, id: wid, stdin: '' }] });
    await waitStarted(floorMarkers, wid);
    const e0 = nowMs();
    await h.signal('stop');
    engine.push((await waitTermMs(floorMarkers, wid)) - e0);
    await h.result();

    const pid = `procc-${d.id}-${i}`;
    const child = execa('/bin/bash', [SCRIPTS.trapTerm], { env: bench.floorEnv({ ATTUNE_EXEC_ID: pid }), reject: false });
    await waitStarted(floorMarkers, pid);
    const p0 = nowMs();
    child.kill('SIGTERM');
    proc.push((await waitTermMs(floorMarkers, pid)) - p0);
    await child;
  }
  const a = summarize(adapter);
  const e = summarize(engine);
  const p = summarize(proc);
  return {
    unit: 'ms',
    publishToSigterm: { adapter: a, engineFloor: e, processFloor: p, ratioToEngine: percentileRatio(a, e) },
    publishToExecutionCompleted: summarize(toCompleted),
  };
}
