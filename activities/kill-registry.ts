/**
 * Cancellation handles of the runs in this agent process, by execution id. A kill that arrives before
 * its run has started is remembered (Attune's pending-cancel set) so the run is stopped at once.
 */
export class KillRegistry {
  private readonly running = new Map<number, AbortController>();
  private readonly pending = new Map<number, number>();

  constructor(private readonly pendingTtlMs = 10 * 60_000) {}

  register(executionId: number): AbortController {
    const controller = new AbortController();
    this.running.set(executionId, controller);
    if (this.pending.delete(executionId)) controller.abort();
    return controller;
  }

  unregister(executionId: number): void {
    this.running.delete(executionId);
  }

  /** Returns true when a running action was signalled. */
  kill(executionId: number): boolean {
    const controller = this.running.get(executionId);
    if (controller) {
      controller.abort();
      return true;
    }
    this.expirePending();
    this.pending.set(executionId, Date.now());
    return false;
  }

  get activeCount(): number {
    return this.running.size;
  }

  abortAll(): void {
    for (const controller of this.running.values()) controller.abort();
  }

  private expirePending(): void {
    const cutoff = Date.now() - this.pendingTtlMs;
    for (const [id, at] of this.pending) if (at < cutoff) this.pending.delete(id);
  }
}
