import type { RunOutcome, RunProgress } from '../src/temporal/contracts';

/** How long a run whose heartbeats were lost keeps its process, waiting for the workflow to re-attach. */
export const REATTACH_WINDOW_MS = 2 * 60_000;

/**
 * How long a finished run's outcome is kept for a re-attach that comes after it ended, and how many are kept. Far
 * longer than the process window: during a Temporal outage the run goes on, ends, and its completion cannot be
 * reported; the re-attach comes only once the server is back (the chaos soak's 330 s outage lost runs that had
 * finished after 2 minutes). An outcome is a few KiB (the output's tails), so the count bounds the memory.
 */
export const OUTCOME_RETENTION_MS = 60 * 60_000;
export const MAX_KEPT_OUTCOMES = 2000;
/**
 * How long, and for how many executions, the agent remembers that it received a run at all (ids only, a few
 * bytes each). A re-attach for an execution this agent never received starts it: the first task was lost
 * between the server and the agent (a cut as the poll answered). Remembering far longer than the outcomes keeps
 * a run whose outcome was forgotten from ever being started twice.
 */
export const SEEN_RETENTION_MS = 24 * 60 * 60_000;
export const MAX_SEEN = 200_000;

export interface TrackedRun {
  outcome: Promise<RunOutcome>;
  progress: () => RunProgress;
  stop: () => void;
}

/**
 * The runs of this agent process by execution id, so that a runAction retried on the same agent after a blip
 * collects the live process (or its outcome) instead of spawning the action again.
 */
export class RunRegistry {
  /** `followers`: the runAction attempts following the run; it is stopped only once none is left (after the window). */
  private readonly live = new Map<number, { run: TrackedRun; followers: number; expiry?: NodeJS.Timeout }>();
  private readonly finished = new Map<number, { outcome: RunOutcome; at: number }>();
  private readonly seen = new Map<number, number>();

  constructor(
    private readonly windowMs = REATTACH_WINDOW_MS,
    private readonly keepOutcomesMs = OUTCOME_RETENTION_MS,
    private readonly maxOutcomes = MAX_KEPT_OUTCOMES,
    private readonly keepSeenMs = SEEN_RETENTION_MS,
    private readonly maxSeen = MAX_SEEN,
  ) {}

  track(executionId: number, run: TrackedRun): void {
    this.live.set(executionId, { run, followers: 1 });
    putNewest(this.seen, executionId, Date.now(), (at) => at, this.keepSeenMs, this.maxSeen);
    run.outcome.then(
      (outcome) => {
        this.clear(executionId);
        putNewest(this.finished, executionId, { outcome, at: Date.now() }, (f) => f.at, this.keepOutcomesMs, this.maxOutcomes);
      },
      () => this.clear(executionId),
    );
  }

  /**
   * One follower lost its heartbeats. Once nobody follows the run it keeps running for the window, then is stopped
   * unless re-attached. (A re-attach can arrive before the first attempt learns it was timed out: that late detach
   * must not stop the run the re-attach now follows.)
   */
  detach(executionId: number): void {
    const entry = this.live.get(executionId);
    if (!entry) return;
    entry.followers = Math.max(0, entry.followers - 1);
    if (entry.followers > 0 || entry.expiry) return;
    entry.expiry = setTimeout(() => entry.run.stop(), this.windowMs);
    entry.expiry.unref();
  }

  /** The live run, or the outcome of a run that finished within the retention, for a re-attach; null when there is none. */
  attach(executionId: number): TrackedRun | null {
    const entry = this.live.get(executionId);
    if (entry) {
      clearTimeout(entry.expiry);
      entry.expiry = undefined;
      entry.followers += 1;
      return entry.run;
    }
    dropOlderThan(this.finished, (f) => f.at, this.keepOutcomesMs);
    const done = this.finished.get(executionId);
    if (!done) return null;
    return { outcome: Promise.resolve(done.outcome), progress: () => ({ stdoutBytes: done.outcome.stdout?.totalBytes ?? 0, stderrBytes: done.outcome.stderr?.totalBytes ?? 0, lastLine: '', pid: null }), stop: () => undefined };
  }

  /** True when this agent process received a run of the execution (within the last day, among the newest ids). */
  hasSeen(executionId: number): boolean {
    dropOlderThan(this.seen, (at) => at, this.keepSeenMs);
    return this.seen.has(executionId);
  }

  private clear(executionId: number): void {
    const entry = this.live.get(executionId);
    if (entry) clearTimeout(entry.expiry);
    this.live.delete(executionId);
  }

}

/*
 * The registry's memories (outcomes, received ids) are Maps in insertion order, so oldest first: entries are added
 * with the current time, expire by age from the front, and past a count the oldest go.
 */
function dropOlderThan<V>(map: Map<number, V>, atOf: (v: V) => number, keepMs: number): void {
  const cutoff = Date.now() - keepMs;
  for (const [id, v] of map) {
    if (atOf(v) >= cutoff) break; // the rest are newer
    map.delete(id);
  }
}

function putNewest<V>(map: Map<number, V>, id: number, value: V, atOf: (v: V) => number, keepMs: number, max: number): void {
  dropOlderThan(map, atOf, keepMs);
  map.delete(id); // re-inserted at the newest end
  map.set(id, value);
  for (const oldest of map.keys()) {
    if (map.size <= max) break;
    map.delete(oldest);
  }
}
