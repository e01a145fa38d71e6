import type { Pool } from 'pg';
import { markFinished } from '../src/attune/db/executions';
import { buildReport, type FinalReport } from '../src/attune/result';
import type { CompleteInput, CompleteResult } from '../src/temporal/contracts';
import type { AttunePublisher } from './publisher';

/**
 * Final report: write status and result (never over a row already terminal), then publish
 * ExecutionStatusChanged and ExecutionCompleted with accurate lower-case statuses. A retry after a lost
 * reply re-applies the same write and publishes again: at least once, which consumers tolerate since
 * they reload the row.
 */
export async function completeExecution(deps: { db: Pool; publisher: AttunePublisher }, input: CompleteInput): Promise<CompleteResult> {
  const report: FinalReport = input.outcome
    ? await buildReport(input.outcome, input.outputFormat)
    : { status: input.failure?.status ?? 'failed', result: failureResult(input.failure) };
  const written = await markFinished(deps.db, input.executionId, report.status, report.result);
  if ('currentStatus' in written) {
    return { v: 1, applied: false, status: written.currentStatus ?? 'missing', previousStatus: written.currentStatus };
  }
  const now = new Date().toISOString();
  await deps.publisher.statusChanged({
    execution_id: input.executionId,
    action_ref: written.actionRef,
    previous_status: written.previousStatus,
    new_status: report.status,
    changed_at: now,
  });
  await deps.publisher.completed({
    execution_id: input.executionId,
    action_id: written.actionId ?? 0,
    action_ref: written.actionRef,
    status: report.status,
    result: report.result,
    completed_at: now,
  });
  return { v: 1, applied: true, status: report.status, previousStatus: written.previousStatus };
}

function failureResult(failure: CompleteInput['failure']): Record<string, unknown> {
  if (failure?.status === 'cancelled') return { succeeded: false, cancelled: true, error: failure.error };
  return { succeeded: false, error: failure?.error ?? 'Execution failed' };
}
