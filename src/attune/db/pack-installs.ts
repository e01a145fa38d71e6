import type { Pool } from 'pg';
import { inTransaction } from './transaction';

/**
 * Ends a pack test this worker was assigned with a clear failure, the way Attune's worker finishes an
 * install it cannot complete: the attempt `failed` with the message, and a pack still pending install
 * marked `install_failed` (the same shape as Attune's migration 20260822000002 uses for interrupted tests).
 * Returns false when the attempt is not (or no longer) running on this worker.
 */
export async function failPackInstall(db: Pool, installId: number, workerId: number, message: string): Promise<boolean> {
  return inTransaction(db, async (client) => {
    const failed = await client.query<{ pack_id: string | null }>(
      `UPDATE pack_install SET status = 'failed', error_message = $3, finished_at = COALESCE(finished_at, NOW()), updated_at = NOW()
        WHERE id = $1 AND status = 'running' AND (assigned_worker_id = $2 OR assigned_worker_id IS NULL)
        RETURNING pack_id`,
      [installId, workerId, message],
    );
    const packId = failed.rows[0]?.pack_id;
    if (packId) await client.query(`UPDATE pack SET install_status = 'install_failed', updated = NOW() WHERE id = $1 AND install_status = 'pending'`, [packId]);
    return failed.rowCount === 1;
  });
}
