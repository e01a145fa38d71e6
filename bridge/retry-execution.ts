import { Context } from '@temporalio/activity';
import type { Pool } from 'pg';
import { createRetryExecution, type RetryRequestRow } from '../src/attune/db/retries';
import type { RetryInput, RetryResult } from '../src/temporal/contracts';
import type { Logger } from '../src/log';
import type { AttunePublisher } from './publisher';
import type { BridgeMetrics } from './metrics';

/**
 * A retry asked by a reset run: Attune's retry row (src/attune/db/retries.ts), then handed to Attune the way its
 * API and executor hand over a new execution, an `ExecutionRequested` to `execution.requested`, so its scheduler,
 * policies and concurrency slots govern the retry like any execution; it reaches a worker (ours or not) as a
 * dispatch and runs as its own workflow. Published again when the retry already existed and is still `requested`
 * (an activity retried after a lost reply): the scheduler's claim is conditional, a second message is harmless.
 */
export async function retryExecution(
  deps: { db: Pool; publisher: Pick<AttunePublisher, 'requested'>; log: Logger; metrics?: Pick<BridgeMetrics, 'retryHandled'> },
  input: RetryInput,
): Promise<RetryResult> {
  const runId = Context.current().info.workflowExecution?.runId; // the reset run, for the log
  const made = await createRetryExecution(deps.db, input.executionId, input.reason);
  if (made.kind === 'refused') {
    deps.log.warn({ executionId: input.executionId, runId, reason: made.reason }, 'retry refused: the reset run ends failed with the reason');
    deps.metrics?.retryHandled('refused');
    return { v: 1, kind: 'refused', reason: made.reason };
  }
  if (made.kind === 'created' || made.retry.status === 'requested') await deps.publisher.requested(requestedPayload(made.retry));
  deps.log.info({ executionId: input.executionId, retryExecutionId: made.retry.id, retryCount: made.retry.retryCount, existed: made.kind === 'existed', runId }, 'retry created and handed to Attune\'s scheduler');
  deps.metrics?.retryHandled(made.kind);
  return { v: 1, kind: 'created', retryExecutionId: made.retry.id, retryCount: made.retry.retryCount, existed: made.kind === 'existed' };
}

function requestedPayload(retry: RetryRequestRow) {
  return {
    execution_id: retry.id,
    action_id: retry.action,
    action_ref: retry.actionRef,
    parent_id: retry.parent,
    enforcement_id: retry.enforcement,
    config: retry.config,
    ...(retry.releaseId !== null ? { release_id: retry.releaseId } : {}),
    ...(retry.releaseDigest !== null ? { release_digest: retry.releaseDigest } : {}),
  };
}
