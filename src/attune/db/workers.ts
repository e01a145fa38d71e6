import type { Pool } from 'pg';

/** Attune's worker registration and heartbeat (crates/worker/src/registration.rs, heartbeat.rs). */

export interface WorkerRegistration {
  name: string;
  host: string | null;
  capabilities: Record<string, unknown>;
}

/**
 * Insert or refresh the row named `name` (UNIQUE): status active, fresh heartbeat, full capabilities.
 * Attune's own worker reuses the row (and so its queues) across restarts in the same way.
 */
export async function upsertWorker(db: Pool, reg: WorkerRegistration): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO worker (name, worker_type, worker_role, host, status, capabilities, last_heartbeat)
     VALUES ($1, 'container', 'action', $2, 'active', $3::jsonb, NOW())
     ON CONFLICT (name) DO UPDATE
        SET status = 'active', host = EXCLUDED.host, capabilities = EXCLUDED.capabilities,
            last_heartbeat = NOW(), updated = NOW()
     RETURNING id`,
    [reg.name, reg.host, JSON.stringify(reg.capabilities)],
  );
  return Number(rows[0]!.id);
}

/**
 * The row for `name`, created inactive when missing, so its queues can be declared before Attune's
 * scheduler can choose it (a dispatch published before the queue exists would be dropped by the broker).
 */
export async function ensureWorkerRow(db: Pool, name: string): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `WITH created AS (
       INSERT INTO worker (name, worker_type, worker_role, status, capabilities)
       VALUES ($1, 'container', 'action', 'inactive', '{"attune_temporal": {}}'::jsonb)
       ON CONFLICT (name) DO NOTHING RETURNING id)
     SELECT id FROM created UNION ALL SELECT id FROM worker WHERE name = $1`,
    [name],
  );
  return Number(rows[0]!.id);
}

export interface OwnWorker {
  id: number;
  name: string;
  status: string;
  /** Seconds since the row last changed (heartbeats change it while the pool has a live agent). */
  quietSeconds: number;
  /** Executions assigned to it that are not final yet. */
  openExecutions: number;
}

/** No live agent (inactive), nothing open, unchanged for `detachAfterSeconds`: its queues need not be consumed. */
export const idleForGood = (own: OwnWorker, detachAfterSeconds: number) => own.status !== 'active' && own.openExecutions === 0 && own.quietSeconds >= detachAfterSeconds;

/** Worker rows this adapter registered (marked in capabilities), for re-attaching consumers at start. */
export async function listOwnWorkers(db: Pool): Promise<OwnWorker[]> {
  const { rows } = await db.query<{ id: string; name: string; status: string; quiet: number; open: string }>(
    `SELECT w.id, w.name, w.status,
            EXTRACT(EPOCH FROM NOW() - GREATEST(w.updated, COALESCE(w.last_heartbeat, w.updated)))::float8 AS quiet,
            (SELECT COUNT(*) FROM execution e
              WHERE e.worker = w.id AND e.status NOT IN ('completed', 'failed', 'cancelled', 'timeout', 'abandoned')) AS open
       FROM worker w WHERE w.capabilities ? 'attune_temporal' ORDER BY w.id`,
  );
  return rows.map((r) => ({ id: Number(r.id), name: r.name, status: r.status, quietSeconds: r.quiet, openExecutions: Number(r.open) }));
}

/** Deregister like Attune's shutdown does: the scheduler stops choosing this worker at once. */
export async function markWorkerInactive(db: Pool, id: number): Promise<void> {
  await db.query(`UPDATE worker SET status = 'inactive', updated = NOW() WHERE id = $1 AND status <> 'inactive'`, [id]);
}

/** The name of worker row `id` (for this adapter's rows, the pool's name); null when there is none. */
export async function findWorkerName(db: Pool, id: number): Promise<string | null> {
  const { rows } = await db.query<{ name: string }>('SELECT name FROM worker WHERE id = $1', [id]);
  return rows[0]?.name ?? null;
}
