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

/** Worker rows this adapter registered (marked in capabilities), for re-attaching consumers at start. */
export async function listOwnWorkers(db: Pool): Promise<{ id: number; name: string; status: string }[]> {
  const { rows } = await db.query<{ id: string; name: string; status: string }>(
    `SELECT id, name, status FROM worker WHERE capabilities ? 'attune_temporal' ORDER BY id`,
  );
  return rows.map((r) => ({ id: Number(r.id), name: r.name, status: r.status }));
}

/** Deregister like Attune's shutdown does: the scheduler stops choosing this worker at once. */
export async function markWorkerInactive(db: Pool, id: number): Promise<void> {
  await db.query(`UPDATE worker SET status = 'inactive', updated = NOW() WHERE id = $1 AND status <> 'inactive'`, [id]);
}
