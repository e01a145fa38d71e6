import { Context } from '@temporalio/activity';
import type { Pool } from 'pg';
import { actionMaxRetries, createRetryExecution, type RetryCreation, type RetryRequestRow } from '../src/attune/db/retries';
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
  await handOver(deps, made);
  deps.log.info({ executionId: input.executionId, retryExecutionId: made.retry.id, retryCount: made.retry.retryCount, existed: made.kind === 'existed', runId }, 'retry created and handed to Attune\'s scheduler');
  return { v: 1, kind: 'created', retryExecutionId: made.retry.id, retryCount: made.retry.retryCount, existed: made.kind === 'existed' };
}

/**
 * The retry on agent loss, opt-in per action the way Attune marks an action retryable: its `max_retries` (from the
 * execution's snapshot of the action, else the action row; 0, Attune's default, means never). When an execution of
 * such an action ends "agent lost", the bridge creates the retry (`worker_heartbeat_stale`) right after the final
 * row, within the action's `max_retries` and for top-level executions only. Never for an action that did not opt
 * in: an agent lost mid-run may have run part of a non-idempotent action.
 */
export async function retryOnAgentLoss(deps: Parameters<typeof retryExecution>[0], executionId: number): Promise<void> {
  const maxRetries = await actionMaxRetries(deps.db, executionId);
  if (maxRetries <= 0) return;
  const made = await createRetryExecution(deps.db, executionId, 'worker_heartbeat_stale', { maxRetries });
  if (made.kind === 'refused') {
    deps.log.info({ executionId, reason: made.reason }, 'agent lost: not retried');
    return;
  }
  await handOver(deps, made);
  deps.log.warn({ executionId, retryExecutionId: made.retry.id, retryCount: made.retry.retryCount, maxRetries }, 'agent lost: retry created and handed to Attune\'s scheduler');
}

/** Announces a retry row to Attune's scheduler: a new one, or one that existed and is still `requested`. */
async function handOver(deps: Parameters<typeof retryExecution>[0], made: Extract<RetryCreation, { retry: RetryRequestRow }>): Promise<void> {
  if (made.kind === 'created' || made.retry.status === 'requested') await deps.publisher.requested(requestedPayload(made.retry));
  deps.metrics?.retryHandled(made.kind);
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
