import type { BenchConfig } from '../config';
import type { BenchHarness, TimedRun } from '../harness';
import { countHistory, type KeptHistories } from '../history';
import { log } from '../log';
import { readMarker } from '../markers';
import { percentileRatio, summarize } from '../stats';
import type { HistoryFigures, LatencyFigures, LatencyLeg } from './types';

/** The performance issue's hard gate: server round trips of a plain action. */
export const ROUND_TRIP_GATE = 5;

type Legs = [dispatchToStart: number, exitToCompleted: number, endToEnd: number];

/** Our timestamps against the action's own start and exit stamps. */
function legs(run: TimedRun<number | string>, markerDir: string): Legs {
  const m = readMarker(markerDir, run.id);
  return [m.start - run.t0, run.done - m.exit, run.done - run.t0];
}

/**
 * 1. Latency of trivial.sh at concurrency 1: adapter, engine floor and process floor interleaved one execution
 * each, so the three share the machine's noise. Also keeps the last execution's workflow history of each.
 */
export async function measureLatency(bench: BenchHarness, cfg: BenchConfig): Promise<{ latency: LatencyFigures; history: HistoryFigures; kept: KeptHistories }> {
  const { d } = bench;
  log(`latency: ${cfg.latencyN} executions each (adapter, engine floor, process floor), interleaved`);
  for (let i = 0; i < cfg.warmup; i++) await Promise.all([bench.adapterOnce(), bench.engineOnce(), bench.engineEagerOnce(), bench.processOnce()]);
  const rows = { adapter: [] as Legs[], engine: [] as Legs[], eager: [] as Legs[], process: [] as Legs[] };
  let lastAdapterId = 0;
  let lastEngineId = '';
  for (let i = 0; i < cfg.latencyN; i++) {
    const a = await bench.adapterOnce();
    rows.adapter.push(legs(a, d.markerDir));
    lastAdapterId = a.id;
    const e = await bench.engineOnce();
    rows.engine.push(legs(e, bench.floorMarkers));
    lastEngineId = e.id;
    rows.eager.push(legs(await bench.engineEagerOnce(), bench.floorMarkers));
    rows.process.push(legs(await bench.processOnce(), bench.floorMarkers));
    if ((i + 1) % 50 === 0) log(`  ${i + 1}/${cfg.latencyN}`);
  }
  const leg = (k: number): LatencyLeg => {
    const col = (r: Legs[]) => summarize(r.map((x) => x[k]!));
    const adapter = col(rows.adapter);
    const engineFloor = col(rows.engine);
    const processFloor = col(rows.process);
    const engineEagerFloor = col(rows.eager);
    return {
      adapter,
      engineFloor,
      processFloor,
      engineEagerFloor,
      ratioToEngine: percentileRatio(adapter, engineFloor),
      ratioToEagerEngine: percentileRatio(adapter, engineEagerFloor),
      ratioToProcess: percentileRatio(adapter, processFloor),
    };
  };
  const latency: LatencyFigures = { unit: 'ms', dispatchToStart: leg(0), exitToCompleted: leg(1), endToEnd: leg(2) };

  // Where the time goes: one execution's workflow history, and the floor's.
  const adapterHistory = await d.history(lastAdapterId);
  const engineHistory = await d.temporal.workflow.getHandle(lastEngineId).fetchHistory();
  const adapter = countHistory(adapterHistory);
  const engineFloor = countHistory(engineHistory);
  const trips = (h: typeof adapter) => h.workflowTasks + h.activitiesScheduled;
  const history: HistoryFigures = { adapter, engineFloor, roundTrips: { adapter: trips(adapter), engineFloor: trips(engineFloor), gate: ROUND_TRIP_GATE, withinGate: trips(adapter) <= ROUND_TRIP_GATE } };
  log(`round trips of one plain execution: adapter ${trips(adapter)} (gate ≤ ${ROUND_TRIP_GATE}), engine floor ${trips(engineFloor)}`);
  const { dispatchToStart } = latency;
  log(`latency done; adapter p50 dispatch→start ${dispatchToStart.adapter.p50} ms (engine ${dispatchToStart.engineFloor.p50}, process ${dispatchToStart.processFloor.p50})`);
  return { latency, history, kept: { adapter: adapterHistory, engineFloor: engineHistory } };
}
