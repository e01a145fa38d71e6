import { rmSync } from 'node:fs';
import type { ChaosConfig } from './config';
import type { ChaosDeployment } from './deployment';
import type { ExecutionBook } from './executions';
import { log } from './log';
import type { ChaosServices } from './services';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every fault the soak injects. */
export const FAULT_KINDS = [
  'agent-sigkill',
  'agent-sigterm',
  'bridge-sigkill',
  'temporal-sigkill',
  'rabbitmq-restart',
  'postgres-stop',
  'artifacts-full',
  'temporal-long-outage',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * Faults that may honestly change an execution's outcome: an agent gone takes its running actions with it (they
 * end failed "agent lost", or are retried when opted in; SIGTERM drains for the grace period, then kills), and a
 * full artifacts volume fails the runs that cannot write their output. The others (a bridge replica, Temporal,
 * RabbitMQ, PostgreSQL going away and coming back) must change nothing but the time an execution takes.
 */
export const OUTCOME_CHANGING: ReadonlySet<FaultKind> = new Set(['agent-sigkill', 'agent-sigterm', 'artifacts-full']);

export interface FaultRecord {
  kind: FaultKind;
  startedAt: number;
  endedAt: number;
  /** Executions not final at the start, and those dispatched while it lasted. */
  hit: number[];
}

function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

const randomOf = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

/** The plan: each kind `faultRounds` times in a random order; the long Temporal outage once, in the middle. */
export function faultPlan(cfg: ChaosConfig): FaultKind[] {
  const kinds = FAULT_KINDS.filter((k) => k !== 'temporal-long-outage');
  const plan: FaultKind[] = shuffle(Array.from({ length: cfg.faultRounds }, () => [...kinds]).flat());
  if (cfg.longTemporalOutageSeconds > 0) plan.splice(Math.floor(plan.length / 2), 0, 'temporal-long-outage');
  return plan;
}

/** Injects the plan's faults one after another, each restored before a random pause and the next. */
export class FaultInjector {
  readonly records: FaultRecord[] = [];

  constructor(
    private readonly cfg: ChaosConfig,
    private readonly services: ChaosServices,
    private readonly cd: ChaosDeployment,
    private readonly book: ExecutionBook,
  ) {}

  async run(plan: FaultKind[]): Promise<void> {
    for (const kind of plan) {
      const [lo, hi] = this.cfg.faultGapSeconds;
      await sleep((lo + Math.random() * (hi - lo)) * 1000);
      const startedAt = Date.now();
      const open = new Set(this.book.nonTerminal().map((t) => t.id));
      log(`fault ${kind} (${open.size} executions in flight)`);
      await this.inject(kind);
      const endedAt = Date.now();
      for (const t of this.book.all.values()) if (t.dispatchedAt >= startedAt && t.dispatchedAt <= endedAt) open.add(t.id);
      this.records.push({ kind, startedAt, endedAt, hit: [...open] });
      log(`fault ${kind} restored after ${Math.round((endedAt - startedAt) / 1000)} s`);
    }
  }

  private async inject(kind: FaultKind): Promise<void> {
    const { cd, services } = this;
    switch (kind) {
      case 'agent-sigkill':
      case 'agent-sigterm': {
        await cd.signalAgent(randomOf(cd.agents), kind === 'agent-sigkill' ? 'SIGKILL' : 'SIGTERM');
        await sleep(2000);
        await cd.startAgent();
        return;
      }
      case 'bridge-sigkill': {
        const replica = randomOf(cd.bridges);
        replica.process.child.kill('SIGKILL');
        await replica.process.exited;
        await sleep(2000);
        await cd.restartBridge(replica);
        return;
      }
      case 'temporal-sigkill':
      case 'temporal-long-outage': {
        await services.killTemporal();
        if (kind === 'temporal-long-outage') this.book.uncapped = true;
        await sleep(kind === 'temporal-sigkill' ? 5000 : this.cfg.longTemporalOutageSeconds * 1000);
        this.book.uncapped = false;
        await services.startTemporal();
        return;
      }
      case 'rabbitmq-restart':
        await services.stopRabbit();
        await services.startRabbit();
        return;
      case 'postgres-stop':
        await services.stopPg();
        await sleep(this.cfg.pgOutageSeconds * 1000);
        await services.startPg();
        return;
      case 'artifacts-full': {
        const filler = cd.fillArtifacts();
        await sleep(this.cfg.diskFullSeconds * 1000);
        rmSync(filler, { force: true });
        return;
      }
    }
  }
}
