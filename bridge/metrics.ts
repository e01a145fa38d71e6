import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Why a message was parked, as a bounded label (the full reason is in the message's `x-parked-reason`). */
export type ParkCategory = 'malformed_envelope' | 'unexpected_message_type' | 'invalid_payload' | 'handling_failed' | 'dead_lettered_by_broker';

/** Open executions per pool, read at scrape time (the database is the truth across restarts and replicas). */
export type InFlightSource = () => Promise<{ pool: string; open: number }[]>;

/**
 * The bridge's Prometheus metrics on its own registry (served at `/metrics`). Labels are bounded: pool names,
 * final statuses, park categories, reconciler actions — never execution ids or reasons' text.
 */
export class BridgeMetrics {
  readonly registry = new Registry();
  private readonly dispatches = new Counter({ name: 'attune_temporal_dispatches_received_total', help: 'ExecutionRequested messages received, by pool', labelNames: ['pool'], registers: [this.registry] });
  private readonly cancels = new Counter({ name: 'attune_temporal_cancels_received_total', help: 'ExecutionCancelRequested messages received, by pool', labelNames: ['pool'], registers: [this.registry] });
  private readonly parked = new Counter({ name: 'attune_temporal_parked_messages_total', help: 'Messages dead-lettered or parked with a reason, by reason category', labelNames: ['reason'], registers: [this.registry] });
  private readonly finished = new Counter({ name: 'attune_temporal_executions_total', help: 'Executions given their final row by this bridge, by final status', labelNames: ['status'], registers: [this.registry] });
  private readonly duration = new Histogram({
    name: 'attune_temporal_execution_duration_seconds',
    help: 'From the row going running (started_at) to its final row, by final status',
    labelNames: ['status'],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [this.registry],
  });
  private readonly claimWait = new Histogram({
    name: 'attune_temporal_claim_wait_seconds',
    help: 'From the claim being offered to the pool to an agent claiming it (workflow time), by pool',
    labelNames: ['pool'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600],
    registers: [this.registry],
  });
  private readonly heartbeatLost = new Counter({ name: 'attune_temporal_runs_heartbeat_lost_total', help: 'Executions ended "agent lost": the run\'s heartbeats stopped and no re-attach found the run on its agent', registers: [this.registry] });
  private readonly retries = new Counter({ name: 'attune_temporal_retries_total', help: 'Retries asked by reset runs, by outcome (created, existed, refused)', labelNames: ['outcome'], registers: [this.registry] });
  private readonly reconciled = new Counter({ name: 'attune_temporal_reconciler_actions_total', help: 'What the reconciler did, by action', labelNames: ['action'], registers: [this.registry] });

  constructor(inFlight: InFlightSource) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'attune_temporal_executions_in_flight',
      help: 'Executions of our pools not yet final (requested to canceling), by pool',
      labelNames: ['pool'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const { pool, open } of await inFlight()) this.set({ pool }, open);
      },
    });
  }

  dispatchReceived(pool: string): void {
    this.dispatches.inc({ pool });
  }

  cancelReceived(pool: string): void {
    this.cancels.inc({ pool });
  }

  messageParked(reason: ParkCategory): void {
    this.parked.inc({ reason });
  }

  /** Counted once per final row (a retried report that re-applies the same write is not counted again). */
  executionFinished(status: string, runningSeconds: number | null): void {
    this.finished.inc({ status });
    if (runningSeconds !== null && runningSeconds >= 0) this.duration.observe({ status }, runningSeconds);
  }

  claimed(pool: string, waitMs: number): void {
    if (waitMs >= 0) this.claimWait.observe({ pool }, waitMs / 1000);
  }

  runHeartbeatLost(): void {
    this.heartbeatLost.inc();
  }

  retryHandled(outcome: 'created' | 'existed' | 'refused'): void {
    this.retries.inc({ outcome });
  }

  reconcilerAction(action: 'failed_row_written' | 'session_closed'): void {
    this.reconciled.inc({ action });
  }

  /** The exposition text and its content type. */
  async expose(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
