import type { Pool } from 'pg';
import { markFinished } from '../src/attune/db/executions';
import { Context } from '@temporalio/activity';
import { buildReport, LogUnavailableError, type FinalReport } from '../src/attune/result';
import type { Logger } from '../src/log';
import type { CompleteInput, CompleteResult } from '../src/temporal/contracts';
import type { AttunePublisher } from './publisher';

/**
 * Final report: write status and result (never over a row already terminal), then publish
 * ExecutionStatusChanged and ExecutionCompleted with accurate lower-case statuses. A retry after a lost
 * reply re-applies the same write and publishes again: at least once, which consumers tolerate since
 * they reload the row.
 */
export async function completeExecution(deps: { db: Pool; publisher: AttunePublisher; log: Logger }, input: CompleteInput): Promise<CompleteResult> {
  const report: FinalReport = input.outcome
    ? await reportFromLogs(input.outcome, input.outputFormat, deps.log)
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

/** Transient read errors are retried by Temporal; after a few attempts the tails stand in for the logs. */
const LOG_READ_ATTEMPTS = 5;

async function reportFromLogs(outcome: NonNullable<CompleteInput['outcome']>, outputFormat: CompleteInput['outputFormat'], log: Logger): Promise<FinalReport> {
  try {
    return await buildReport(outcome, outputFormat);
  } catch (err) {
    if (!(err instanceof LogUnavailableError) || Context.current().info.attempt < LOG_READ_ATTEMPTS) throw err;
    log.error({ err, executionId: outcome.stdout?.path }, 'execution logs unreadable; reporting with the tails only');
    return buildReport(outcome, outputFormat, { tailOnly: true });
  }
}

function failureResult(failure: CompleteInput['failure']): Record<string, unknown> {
  if (failure?.status === 'cancelled') return { succeeded: false, cancelled: true, error: failure.error };
  return { succeeded: false, error: failure?.error ?? 'Execution failed' };
}
