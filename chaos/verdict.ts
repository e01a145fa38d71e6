import { readFileSync } from 'node:fs';
import path from 'node:path';
import { summarize, type Summary } from '../bench/stats';
import type { ChaosConfig } from './config';
import type { Kind, Tracked } from './executions';
import { FAULT_KINDS, OUTCOME_CHANGING, type FaultKind, type FaultRecord } from './faults';

/** One execution whose final row is not what its kind and the faults that hit it allow. */
export interface Unexpected {
  id: number;
  kind: Kind;
  status: string;
  error: string | null;
  faults: FaultKind[];
  why: string;
}

export interface Verdict {
  executions: { dispatched: number; retries: number; byStatus: Record<string, number>; byKind: Record<string, Record<string, number>> };
  faults: Record<string, { count: number; hit: number; resolveSeconds: Summary | null }>;
  /** Rows still `scheduled` at the end: their dispatch never became a workflow. */
  lost: number[];
  /** Execution ids whose action started more than once (marker file). */
  runTwice: number[];
  /** Completed executions with no line in the marker file: the run-twice detector would be blind to them. */
  unmarked: number[];
  /** Rows not final at the end for another reason, and workflows of the deployment still Running after the agents stopped. */
  stuck: { rows: number[]; workflows: string[] };
  /** Original executions of opted-in actions that ended agent-lost and were run again as a retry row. */
  retriedOnAgentLoss: number;
  unexpected: Unexpected[];
  /** Every execution of a kind that should complete but did not, with its error and the faults that hit it. */
  failures: Failure[];
}

export type Failure = Omit<Unexpected, 'why'>;

/**
 * What counts as correct, per execution: a final row; its action started at most once; and the outcome its kind
 * gives unless an outcome-changing fault (OUTCOME_CHANGING) hit it: trivial, sleeper, output, params, python and
 * retryable `completed` (params: its result holds the parameters' size; python: six from its environment),
 * failing `failed`, cancel `cancelled` once its cancel was sent. Hit by an agent loss or a full volume, any final
 * status is allowed; an opted-in action that ended "agent lost" must have its retry row, which is held to the
 * same rules.
 */
export function judge(cfg: ChaosConfig, all: Map<number, Tracked>, faults: FaultRecord[], markerDir: string, stuckWorkflows: string[]): Verdict {
  const runs = new Map<number, number>();
  let markers = '';
  try {
    markers = readFileSync(path.join(markerDir, 'runs'), 'utf8');
  } catch {
    /* nothing ran */
  }
  for (const line of markers.split('\n').filter(Boolean)) runs.set(Number(line), (runs.get(Number(line)) ?? 0) + 1);

  const hitBy = new Map<number, FaultKind[]>();
  for (const f of faults) for (const id of f.hit) hitBy.set(id, [...(hitBy.get(id) ?? []), f.kind]);
  const retriesOf = new Map<number, Tracked>();
  for (const t of all.values()) if (t.retryOf !== null) retriesOf.set(t.retryOf, t);

  const byStatus: Record<string, number> = {};
  const byKind: Record<string, Record<string, number>> = {};
  const lost: number[] = [];
  const stuckRows: number[] = [];
  const unexpected: Unexpected[] = [];
  const failures: Failure[] = [];
  let retried = 0;
  for (const t of all.values()) {
    byStatus[t.status] = (byStatus[t.status] ?? 0) + 1;
    (byKind[t.kind] ??= {})[t.status] = (byKind[t.kind]![t.status] ?? 0) + 1;
    if (t.terminalAt === null) {
      (t.status === 'scheduled' ? lost : stuckRows).push(t.id);
      continue;
    }
    const hits = hitBy.get(t.id) ?? [];
    if (t.status !== 'completed' && t.kind !== 'failing' && t.kind !== 'cancel') failures.push({ id: t.id, kind: t.kind, status: t.status, error: t.error, faults: hits });
    const lenient = hits.some((k) => OUTCOME_CHANGING.has(k));
    const bad = (why: string) => unexpected.push({ id: t.id, kind: t.kind, status: t.status, error: t.error, faults: hits, why });
    const agentLost = t.status === 'failed' && /was lost/.test(t.error ?? '');
    if (t.kind === 'retryable' && agentLost) {
      if (retriesOf.has(t.id)) retried++;
      else if (retryCount(all, t) < 2) bad('ended agent lost with no retry row');
    }
    if (lenient) continue;
    const want = t.kind === 'failing' ? 'failed' : t.kind === 'cancel' ? (t.cancelSentAt !== null ? 'cancelled' : null) : 'completed';
    if (want !== null && t.status !== want) bad(`expected ${want}`);
    else if (t.status === 'completed' && t.kind === 'params' && Number(data(t)?.bytes) < cfg.paramBytes) bad(`result ${JSON.stringify(t.result)} lacks the ${cfg.paramBytes}-byte parameters`);
    else if (t.status === 'completed' && t.kind === 'python' && data(t)?.six !== '1.17.0') bad(`result ${JSON.stringify(t.result)} is not six 1.17.0`);
  }

  const faultFigures: Verdict['faults'] = {};
  for (const kind of FAULT_KINDS) {
    const records = faults.filter((f) => f.kind === kind);
    const resolve = records.flatMap((f) => f.hit.map((id) => all.get(id)?.terminalAt).filter((x): x is number => typeof x === 'number').map((at) => Math.max(0, at - f.startedAt) / 1000));
    faultFigures[kind] = { count: records.length, hit: records.reduce((n, f) => n + f.hit.length, 0), resolveSeconds: resolve.length > 0 ? summarize(resolve) : null };
  }

  return {
    executions: { dispatched: [...all.values()].filter((t) => t.retryOf === null).length, retries: [...all.values()].filter((t) => t.retryOf !== null).length, byStatus, byKind },
    faults: faultFigures,
    lost,
    runTwice: [...runs.entries()].filter(([, n]) => n > 1).map(([id]) => id),
    unmarked: [...all.values()].filter((t) => t.status === 'completed' && !runs.has(t.id)).map((t) => t.id),
    stuck: { rows: stuckRows, workflows: stuckWorkflows },
    retriedOnAgentLoss: retried,
    unexpected,
    failures,
  };
}

/** The action's own output in Attune's result JSON. */
const data = (t: Tracked) => t.result?.data as Record<string, unknown> | undefined;

/** How many retries precede this row in its chain. */
function retryCount(all: Map<number, Tracked>, t: Tracked): number {
  let n = 0;
  for (let cur: Tracked | undefined = t; cur?.retryOf != null; cur = all.get(cur.retryOf)) n++;
  return n;
}
