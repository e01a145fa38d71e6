import type { Pool } from 'pg';
import { markRunning } from '../src/attune/db/executions';
import type { BeginResult } from '../src/temporal/contracts';
import type { AttunePublisher } from './publisher';

/**
 * scheduled → running, fenced against rows Attune has failed, cancelled or abandoned meanwhile, then the
 * `running` status message (after the write, so a consumer that reloads the row sees it).
 */
export async function beginExecution(deps: { db: Pool; publisher: Pick<AttunePublisher, 'statusChanged'> }, input: { executionId: number; workerId: number }): Promise<BeginResult> {
  const moved = await markRunning(deps.db, input.executionId, input.workerId);
  if ('currentStatus' in moved) {
    if (moved.currentStatus === 'canceling') return { v: 1, kind: 'canceling' };
    return { v: 1, kind: 'skip', status: moved.currentStatus ?? 'missing' };
  }
  // Found already `running` (by us: the row is fenced to our worker) means a retry after the write: the first
  // publish may have failed, so publish again — at least once, like the final messages; consumers reload the row.
  await deps.publisher.statusChanged({
    execution_id: input.executionId,
    action_ref: moved.actionRef,
    previous_status: moved.previousStatus === 'running' ? 'scheduled' : moved.previousStatus,
    new_status: 'running',
    changed_at: new Date().toISOString(),
  });
  return { v: 1, kind: 'running' };
}
