import type { Pool } from 'pg';
import type { ExecutionStatus, FinalStatus } from '../status';
import { TERMINAL_STATUSES } from '../status';

/** One SQL statement per function, named after what it does (the worker's writes to `execution`). */

const terminal = `(${TERMINAL_STATUSES.map((s) => `'${s}'`).join(',')})`;

export interface ExecutionRow {
  id: number;
  action: number | null;
  action_ref: string;
  status: ExecutionStatus;
  worker: number | null;
  config: unknown;
  env_vars: unknown;
  timeout_seconds: number | null;
  workflow_task: { timeout_seconds?: number | null; workflow_execution?: number } | null;
  pack_release: number | null;
  pack_release_digest: string | null;
  executable_snapshot: { executable?: { action?: unknown; runtime?: unknown; runtime_versions?: unknown } } | null;
  trace_tag: string | null;
  enforcement: number | null;
  permission_set_refs: string[];
  executor: number | null;
  parent: number | null;
}

export async function loadExecution(db: Pool, id: number): Promise<ExecutionRow | null> {
  const { rows } = await db.query<ExecutionRow>(
    `SELECT id::float8 AS id, action::float8 AS action, action_ref, status, worker::float8 AS worker, config, env_vars,
            timeout_seconds, workflow_task, pack_release::float8 AS pack_release, pack_release_digest,
            executable_snapshot, trace_tag, enforcement::float8 AS enforcement, permission_set_refs,
            executor::float8 AS executor, parent::float8 AS parent
       FROM execution WHERE id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

/** Attune's trace tag of an execution (for the bridge's dispatch span), null when the row has none. */
export async function loadTraceTag(db: Pool, id: number): Promise<string | null> {
  const { rows } = await db.query<{ trace_tag: string | null }>(`SELECT trace_tag FROM execution WHERE id = $1`, [id]);
  return rows[0]?.trace_tag ?? null;
}

export interface Transition {
  previousStatus: ExecutionStatus;
  actionId: number | null;
  actionRef: string;
}

/**
 * scheduled → running, fenced: only a row still `scheduled` and still assigned to this worker moves.
 * A row Attune already failed, cancelled or abandoned (or gave to another worker) is left alone.
 * An activity retry after a lost reply finds the row already running and counts that as done.
 */
export async function markRunning(db: Pool, id: number, workerId: number): Promise<Transition | { currentStatus: ExecutionStatus | null }> {
  const { rows } = await db.query<{ previous_status: ExecutionStatus; action: number | null; action_ref: string }>(
    `WITH prev AS (SELECT id, status FROM execution WHERE id = $1 FOR UPDATE)
     UPDATE execution e SET status = 'running', started_at = COALESCE(e.started_at, NOW()), updated = NOW()
       FROM prev
      WHERE e.id = prev.id AND e.worker = $2 AND prev.status IN ('scheduled', 'running')
     RETURNING prev.status AS previous_status, e.action::float8 AS action, e.action_ref`,
    [id, workerId],
  );
  const row = rows[0];
  if (row) return { previousStatus: row.previous_status, actionId: row.action, actionRef: row.action_ref };
  const current = await db.query<{ status: ExecutionStatus }>(`SELECT status FROM execution WHERE id = $1`, [id]);
  return { currentStatus: current.rows[0]?.status ?? null };
}

/**
 * Writes the final status and result. Never overwrites a row that is already terminal — except to
 * re-apply the very same status and result, which is what a retried report of our own write does.
 */
export async function markFinished(
  db: Pool,
  id: number,
  status: FinalStatus,
  result: unknown,
): Promise<(Transition & { reapplied: boolean; runningSeconds: number | null }) | { currentStatus: ExecutionStatus | null }> {
  const { rows } = await db.query<{ previous_status: ExecutionStatus; action: number | null; action_ref: string; running_seconds: number | null }>(
    `WITH prev AS (SELECT id, status, result FROM execution WHERE id = $1 FOR UPDATE)
     UPDATE execution e SET status = $2::execution_status_enum, result = $3::jsonb, updated = NOW()
       FROM prev
      WHERE e.id = prev.id
        AND (prev.status NOT IN ${terminal} OR (prev.status = $2::execution_status_enum AND prev.result = $3::jsonb))
     RETURNING prev.status AS previous_status, e.action::float8 AS action, e.action_ref,
               EXTRACT(EPOCH FROM NOW() - e.started_at)::float8 AS running_seconds`,
    [id, status, JSON.stringify(result)],
  );
  const row = rows[0];
  if (row) return { previousStatus: row.previous_status, actionId: row.action, actionRef: row.action_ref, reapplied: row.previous_status === status, runningSeconds: row.running_seconds };
  const current = await db.query<{ status: ExecutionStatus }>(`SELECT status FROM execution WHERE id = $1`, [id]);
  return { currentStatus: current.rows[0]?.status ?? null };
}
