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
  private readonly live = new Map<number, { run: TrackedRun; expiry?: NodeJS.Timeout }>();
  private readonly finished = new Map<number, { outcome: RunOutcome; at: number }>();

  constructor(
    private readonly windowMs = REATTACH_WINDOW_MS,
    private readonly keepOutcomesMs = OUTCOME_RETENTION_MS,
    private readonly maxOutcomes = MAX_KEPT_OUTCOMES,
  ) {}

  track(executionId: number, run: TrackedRun): void {
    this.live.set(executionId, { run });
    run.outcome.then(
      (outcome) => {
        this.clear(executionId);
        this.expireFinished();
        this.finished.set(executionId, { outcome, at: Date.now() });
        // Oldest first (insertion order): past the count, the oldest outcomes go.
        for (const id of this.finished.keys()) {
          if (this.finished.size <= this.maxOutcomes) break;
          this.finished.delete(id);
        }
      },
      () => this.clear(executionId),
    );
  }

  /** Nobody follows the run any more: it keeps running for the window, then is stopped unless re-attached. */
  detach(executionId: number): void {
    const entry = this.live.get(executionId);
    if (!entry || entry.expiry) return;
    entry.expiry = setTimeout(() => entry.run.stop(), this.windowMs);
    entry.expiry.unref();
  }

  /** The live run, or the outcome of a run that finished within the retention, for a re-attach; null when there is none. */
  attach(executionId: number): TrackedRun | null {
    const entry = this.live.get(executionId);
    if (entry) {
      clearTimeout(entry.expiry);
      entry.expiry = undefined;
      return entry.run;
    }
    this.expireFinished();
    const done = this.finished.get(executionId);
    if (!done) return null;
    return { outcome: Promise.resolve(done.outcome), progress: () => ({ stdoutBytes: done.outcome.stdout?.totalBytes ?? 0, stderrBytes: done.outcome.stderr?.totalBytes ?? 0, lastLine: '', pid: null }), stop: () => undefined };
  }

  private clear(executionId: number): void {
    const entry = this.live.get(executionId);
    if (entry) clearTimeout(entry.expiry);
    this.live.delete(executionId);
  }

  private expireFinished(): void {
    const cutoff = Date.now() - this.keepOutcomesMs;
    for (const [id, f] of this.finished) if (f.at < cutoff) this.finished.delete(id);
  }
}
