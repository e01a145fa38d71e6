/** How much each scenario does, full run or --quick. */

/** ATTUNE__WORKER__MAX_CONCURRENT_TASKS default; the floor worker gets the same. */
export const AGENT_SLOTS = 10;

export interface BenchConfig {
  /** Executions of each kind in the latency scenario, after `warmup` of each. */
  latencyN: number;
  warmup: number;
  /** Executions in flight at each throughput point. */
  concurrency: number[];
  /** Executions per throughput point at concurrency `c`. */
  tputN: (c: number) => number;
  coldTrials: number;
  /** How long a freshly started agent idles before its RSS is read. */
  idleMs: number;
  bigBytes: number;
  cancelN: number;
  lossTrials: number;
  /** Replays of each kept history in the workflow CPU scenario. */
  replays: number;
  /** Dispatches in the backlog scenario (10 000 is the figure; quick runs only exercise it); 0 skips it. */
  backlogN: number;
}

const QUICK: BenchConfig = { latencyN: 15, warmup: 2, concurrency: [1, 8, 32], tputN: (c) => Math.max(4, c), coldTrials: 1, idleMs: 1500, bigBytes: 128 * 1024 * 1024, cancelN: 5, lossTrials: 1, replays: 50, backlogN: 50 };
const FULL: BenchConfig = { latencyN: 200, warmup: 10, concurrency: [1, 8, 32], tputN: (c) => Math.max(60, 3 * c), coldTrials: 5, idleMs: 5000, bigBytes: 1024 * 1024 * 1024, cancelN: 20, lossTrials: 1, replays: 300, backlogN: 10_000 };

/** `backlog` overrides the scenario's size (`--backlog N`, to try it on a small N). */
export const benchConfig = (quick: boolean, backlog?: number): BenchConfig => {
  const cfg = quick ? QUICK : FULL;
  return backlog === undefined ? cfg : { ...cfg, backlogN: backlog };
};

/** The config as `meta.config` records it: `tputN` as the count at each concurrency. */
export type RecordedConfig = Omit<BenchConfig, 'tputN'> & { tputN: number[]; agentSlots: number };

export const recordedConfig = (cfg: BenchConfig): RecordedConfig => ({ ...cfg, tputN: cfg.concurrency.map(cfg.tputN), agentSlots: AGENT_SLOTS });
