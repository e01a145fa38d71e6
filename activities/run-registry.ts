import type { RunOutcome, RunProgress } from '../src/temporal/contracts';

/**
 * How long a run whose heartbeats were lost keeps its process, waiting for the workflow to re-attach, and how
 * long a finished run's outcome is kept for a re-attach that comes after it ended.
 */
export const REATTACH_WINDOW_MS = 2 * 60_000;

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

  constructor(private readonly windowMs = REATTACH_WINDOW_MS) {}

  track(executionId: number, run: TrackedRun): void {
    this.live.set(executionId, { run });
    run.outcome.then(
      (outcome) => {
        this.clear(executionId);
        this.expireFinished();
        this.finished.set(executionId, { outcome, at: Date.now() });
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

  /** The live run, or a run that finished within the window, for a re-attach; null when there is none. */
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
    const cutoff = Date.now() - this.windowMs;
    for (const [id, f] of this.finished) if (f.at < cutoff) this.finished.delete(id);
  }
}
