import { isTerminal, type ExecutionStatus } from '../src/attune/status';
import { ROUTING } from '../src/attune/topology';
import { apiCancel, executorDispatch, insertScheduledExecution, TEST_RELEASE_DIGEST } from '../test/helpers/deployment';
import type { ChaosConfig } from './config';
import { CHAOS_ACTIONS, type ChaosDeployment } from './deployment';
import { log } from './log';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How many more dispatches may pile up during a long Temporal outage: more than the bridges hold unacked. */
const UNCAPPED_EXTRA = 100;

/** What the soak runs, with its share of the load. */
export const KINDS = {
  trivial: 30,
  sleeper: 12,
  output: 8,
  params: 8,
  cancel: 8,
  python: 12,
  /** Opted in to a retry on agent loss (action.max_retries = 2); its retries are counted apart. */
  retryable: 12,
  /** A failing action (exit 1): it must end failed, once. */
  failing: 10,
} as const;
export type Kind = keyof typeof KINDS;

export interface Tracked {
  id: number;
  kind: Kind;
  ref: string;
  /** The original execution of a retry row (made by the bridge on agent loss, scheduled by our scheduler stand-in). */
  retryOf: number | null;
  dispatchedAt: number;
  cancelSentAt: number | null;
  status: string;
  terminalAt: number | null;
  error: string | null;
  result: Record<string, unknown> | null;
}

function pick(): Kind {
  const total = Object.values(KINDS).reduce((a, b) => a + b, 0);
  let r = Math.random() * total;
  for (const [k, w] of Object.entries(KINDS) as [Kind, number][]) if ((r -= w) < 0) return k;
  return 'trivial';
}

function spec(kind: Kind, cfg: ChaosConfig): { ref: string; config: Record<string, unknown> } {
  switch (kind) {
    case 'sleeper':
      return { ref: CHAOS_ACTIONS.run, config: { mode: 'sleep', seconds: cfg.sleeperSeconds } };
    case 'output':
      return { ref: CHAOS_ACTIONS.output, config: { mode: 'output', bytes: cfg.outputBytes } };
    case 'params':
      return { ref: CHAOS_ACTIONS.run, config: { mode: 'params', blob: 'p'.repeat(cfg.paramBytes) } };
    case 'cancel':
      return { ref: CHAOS_ACTIONS.run, config: { mode: 'sleep', seconds: 600 } };
    case 'python':
      return { ref: CHAOS_ACTIONS.python, config: {} };
    case 'retryable':
      return { ref: CHAOS_ACTIONS.runRetry, config: { mode: 'sleep', seconds: 4 } };
    case 'failing':
      return { ref: CHAOS_ACTIONS.run, config: { mode: 'fail' } };
    default:
      return { ref: CHAOS_ACTIONS.run, config: { mode: 'trivial' } };
  }
}

/** Retried until PostgreSQL answers: Attune's API and executor wait out the outage too. */
async function persist<T>(op: () => Promise<T>, stop: () => boolean): Promise<T> {
  for (;;) {
    try {
      return await op();
    } catch (err) {
      if (stop()) throw err;
      await sleep(1000);
    }
  }
}

/**
 * Stands in for Attune's API, executor and scheduler: creates the rows and publishes the dispatches (as the tests'
 * TestDeployment does), cancels running executions as the API does, schedules the retry rows the bridge hands to
 * the scheduler, and follows every row to its final status.
 */
export class ExecutionBook {
  readonly all = new Map<number, Tracked>();
  private stopped = false;
  /** When set, the in-flight cap is raised by UNCAPPED_EXTRA (a long Temporal outage: dispatches must pile up in the queue). */
  uncapped = false;

  constructor(
    private readonly cd: ChaosDeployment,
    private readonly cfg: ChaosConfig,
  ) {}

  inFlight(): number {
    let n = 0;
    for (const t of this.all.values()) if (t.terminalAt === null) n++;
    return n;
  }

  nonTerminal(): Tracked[] {
    return [...this.all.values()].filter((t) => t.terminalAt === null);
  }

  /** Dispatches `cfg.executions`, spread over `loadSeconds`, at most `maxInFlight` unfinished. */
  async load(): Promise<void> {
    const gap = (this.cfg.loadSeconds * 1000) / this.cfg.executions;
    for (let i = 0; i < this.cfg.executions && !this.stopped; i++) {
      while (this.inFlight() >= this.cfg.maxInFlight + (this.uncapped ? UNCAPPED_EXTRA : 0) && !this.stopped) await sleep(200);
      const kind = pick();
      this.dispatchOne(kind).catch((err: unknown) => this.stopped || log(`dispatch failed: ${String(err)}`));
      await sleep(gap * (0.5 + Math.random()));
    }
  }

  private async dispatchOne(kind: Kind): Promise<void> {
    const { ref, config } = spec(kind, this.cfg);
    const { d } = this.cd;
    const stop = () => this.stopped;
    const id = await persist(() => insertScheduledExecution(d.db, ref, config, d.workerId), stop);
    const t: Tracked = { id, kind, ref, retryOf: null, dispatchedAt: Date.now(), cancelSentAt: null, status: 'scheduled', terminalAt: null, error: null, result: null };
    this.all.set(id, t);
    const digest = kind === 'retryable' ? TEST_RELEASE_DIGEST : null;
    if (digest) await persist(() => d.pinRelease(id, digest), stop);
    await this.cd.publisher.publish(ROUTING.dispatch(d.workerId), executorDispatch(id, d.workerId, ref, config, { id: null, digest }));
    if (kind === 'cancel') this.cancelWhenRunning(t).catch((err: unknown) => this.stopped || log(`cancel of ${id} failed: ${String(err)}`));
  }

  /** What Attune's API does: once the row is running, `canceling`, then the cancel message. */
  private async cancelWhenRunning(t: Tracked): Promise<void> {
    while (t.status !== 'running' && t.terminalAt === null && !this.stopped) await sleep(250);
    if (t.terminalAt !== null || this.stopped) return;
    await sleep(1000 + Math.random() * 3000);
    const { d } = this.cd;
    const updated = await persist(() => d.db.query(`UPDATE execution SET status = 'canceling', updated = NOW() WHERE id = $1 AND status = 'running'`, [t.id]), () => this.stopped);
    if (updated.rowCount === 0) return;
    t.cancelSentAt = Date.now();
    await this.cd.publisher.publish(ROUTING.cancel(d.workerId), apiCancel(t.id, d.workerId));
  }

  /** Follows the rows (1 s) and schedules retry rows, until stop(). */
  async follow(): Promise<void> {
    while (!this.stopped) {
      await this.poll().catch(() => undefined);
      await sleep(1000);
    }
  }

  async poll(): Promise<void> {
    const { d } = this.cd;
    const open = this.nonTerminal().map((t) => t.id);
    if (open.length > 0) {
      const { rows } = await d.db.query<{ id: string; status: ExecutionStatus; result: Record<string, unknown> | null }>(`SELECT id, status, result FROM execution WHERE id = ANY($1::bigint[])`, [open]);
      const now = Date.now();
      for (const row of rows) {
        const t = this.all.get(Number(row.id))!;
        t.status = row.status;
        if (isTerminal(row.status)) {
          t.terminalAt = now;
          t.result = row.result;
          t.error = typeof row.result?.error === 'string' ? row.result.error : null;
        }
      }
    }
    await this.scheduleRetries();
  }

  /** Attune's scheduler: a `requested` row (a retry the bridge made) is claimed for our worker and dispatched. */
  private async scheduleRetries(): Promise<void> {
    const { d } = this.cd;
    const { rows } = await d.db.query<{ id: string; action_ref: string; config: Record<string, unknown>; pack_release_digest: string | null }>(
      `UPDATE execution SET status = 'scheduled', worker = $1, updated = NOW() WHERE status = 'requested' RETURNING id, action_ref, config, pack_release_digest`,
      [d.workerId],
    );
    for (const row of rows) {
      const id = Number(row.id);
      const retryOf = Number(row.config.retry_of);
      const origin = this.all.get(retryOf);
      this.all.set(id, { id, kind: origin?.kind ?? 'retryable', ref: row.action_ref, retryOf, dispatchedAt: Date.now(), cancelSentAt: null, status: 'scheduled', terminalAt: null, error: null, result: null });
      await this.cd.publisher.publish(ROUTING.dispatch(d.workerId), executorDispatch(id, d.workerId, row.action_ref, row.config, { id: null, digest: row.pack_release_digest }));
    }
  }

  /** Waits until every row is final (or the time is up); true when all are. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight() > 0 && Date.now() < deadline) await sleep(1000);
    return this.inFlight() === 0;
  }

  stop(): void {
    this.stopped = true;
  }
}
