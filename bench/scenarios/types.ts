/** What each scenario returns: the sections of the results JSON, in the shape bench/results/*.json has. */
import type { HistoryCount } from '../history';
import type { Summary } from '../stats';

/** A figure this build or machine cannot produce, and why. */
export interface NotAvailable {
  notAvailable: string;
}

export interface PercentileRatio {
  p50: number;
  p99: number;
}

/** The adapter and its two floors on one measure. */
export interface BesideFloors {
  adapter: Summary;
  engineFloor: Summary;
  processFloor: Summary;
  ratioToEngine: PercentileRatio;
}

/** 1. `latency`: each leg of one execution at concurrency 1; the engine floor also with eager start (like the bridge). */
export interface LatencyLeg extends BesideFloors {
  ratioToProcess: PercentileRatio;
  engineEagerFloor: Summary;
  ratioToEagerEngine: PercentileRatio;
}
export interface LatencyFigures {
  unit: 'ms';
  dispatchToStart: LatencyLeg;
  exitToCompleted: LatencyLeg;
  endToEnd: LatencyLeg;
}

/** 1. `history`: one execution's workflow history from the latency run, and the floor's. */
export interface HistoryFigures {
  adapter: HistoryCount;
  engineFloor: HistoryCount;
  /** Server round trips = workflow tasks + activity tasks (local activities count 0); the hard gate is ≤ 5. */
  roundTrips: { adapter: number; engineFloor: number; gate: number; withinGate: boolean };
}

/** 1b. `workflowCpu`: CPU ms per execution of the workflow code alone, its kept history replayed (no server). */
export interface WorkflowCpuFigures {
  unit: 'ms';
  replays: number;
  adapter: number;
  engineFloor: number;
  ratioToEngine: number;
}

/** 2. `throughput`: closed loop, `concurrency` executions in flight. */
export interface ThroughputPoint {
  concurrency: number;
  n: number;
  perSec: number;
}
export interface AdapterThroughputPoint extends ThroughputPoint {
  ratioToEngine: number;
  ratioToEagerEngine: number;
}
export interface ThroughputFigures {
  unit: 'executions/s';
  engineFloor: ThroughputPoint[];
  engineEagerFloor: ThroughputPoint[];
  /** The bridge's CPU time per 1 000 executions and its peak RSS (VmHWM) over the throughput runs. */
  bridge: { executions: number; cpuMsPer1000: number; peakRssMiB: number };
  /**
   * CPU ms per 1 000 executions of each process over the one-agent runs (all concurrencies), the floors' alike:
   * adapter bridge, agent (+ its actions), devServer, postgres, rabbitmq; floors worker (+ its actions), devServer.
   */
  cpuPer1000: { executions: number; adapter: Record<string, number>; engineFloor: Record<string, number>; engineEagerFloor: Record<string, number> };
  /** One agent, then two agents in one pool. */
  adapter1: AdapterThroughputPoint[];
  adapter2: AdapterThroughputPoint[];
}

/** 3. `agent`: cold start, idle RSS and the bundle. */
export interface AgentColdStart {
  toPollMs: Summary;
  toRowActiveMs: Summary;
}
export interface BundleSize {
  /** null when the bundle came from the cache. */
  buildSeconds: number | null;
  rawBytes: number;
  rawMiB: number;
  tarGzBytes: number | null;
  tarZstBytes: number | null;
}
export interface BundleFigures {
  coldStart: AgentColdStart | NotAvailable;
  idleRssMiB: number | NotAvailable;
  size: BundleSize | NotAvailable;
}
export interface AgentFigures {
  coldStart: {
    unit: 'ms';
    fromNode: AgentColdStart & { idleRssMiB: number };
    fromBundle: AgentColdStart | NotAvailable;
    engineFloorActivitiesOnlyWorker: { toPollMs: Summary; idleRssMiB: number };
    bareNodeStartExit: Summary;
    ratioNodeToFloorPoll: number;
  };
  idleRssMiB: { agentFromNode: number; agentFromBundle: number | NotAvailable; engineFloorWorker: number; ratioToFloor: number };
  bundleSize: BundleSize | NotAvailable;
}

/** 4. `bigOutput`: a large stdout through the agent, and through bare execa. */
export interface BigOutputFigures {
  bytes: number;
  finalStatus: string;
  agent: {
    rssBeforeMiB: number;
    rssPeakSampledMiB: number;
    rssGrowthMiB: number;
    vmHwmBeforeMiB: number;
    vmHwmAfterMiB: number;
    captureMBps: number;
    dispatchToCompletedMBps: number;
  };
  processFloor: { captureMBps: number; endToEndMBps: number };
  ratioCaptureToFloor: number;
}

/** 5. `cancel`. */
export interface CancellationFigures {
  unit: 'ms';
  publishToSigterm: BesideFloors;
  publishToExecutionCompleted: Summary;
}

/** 5. `agentLoss`: SIGKILL of the agent mid-action. */
export interface AgentLossFigures {
  unit: 's';
  killToFinalStatus: Summary;
  finalStatus: string[];
  runHeartbeatTimeoutSeconds: number;
  /** The re-attach wait that follows the heartbeat timeout (absent from results before the re-attach). */
  reattachWaitSeconds?: number;
  ratioToDetectionBudget?: number;
  ratioToHeartbeatTimeout: number;
}

/** 6. `backlog`: `n` dispatches published at once (10 000 in a full run, 50 in --quick), drained by two agents. */
export interface BacklogFigures {
  n: number;
  publishSeconds: number;
  /** First publish → the last ExecutionCompleted. */
  drainSeconds: number;
  perSec: number;
  /** The bridge's CPU time over the drain per 1 000; its VmRSS, sampled every second: the peak over the drain's first and last tenths (by completions). */
  bridge: { cpuMsPer1000: number; rssBeforeMiB: number; peakRssMiB: number; firstTenthPeakMiB: number; lastTenthPeakMiB: number; lastToFirstTenth: number; samples: number };
}
