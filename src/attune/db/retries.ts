import type { Pool, PoolClient } from 'pg';
import { defaultExecutionTraceTag } from '../trace-tag';
import { inTransaction } from './transaction';

/** Attune's retry reasons (crates/executor/src/retry_manager.rs, RetryReason) that this bridge creates. */
export type RetryReason = 'manual_retry' | 'worker_heartbeat_stale';

/** The statuses a retry is made from: a failed or timed-out execution (Attune's retry manager: failed only). */
export const RETRYABLE_STATUSES = ['failed', 'timeout'] as const;

interface OriginalRow {
  id: number;
  status: string;
  action_ref: string;
  config: unknown;
  workflow_task: { workflow_execution?: number; task_name?: string } | null;
  /** Only whether there is one: the copy is made in SQL. */
  has_snapshot: boolean;
  trace_tag: string | null;
  parent: number | null;
}

export interface RetryRequestRow {
  id: number;
  action: number | null;
  actionRef: string;
  parent: number | null;
  enforcement: number | null;
  config: Record<string, unknown>;
  releaseId: number | null;
  releaseDigest: string | null;
  status: string;
  retryCount: number;
}

export type RetryCreation = { kind: 'created' | 'existed'; retry: RetryRequestRow } | { kind: 'refused'; reason: string };

const integer = (value: unknown): number | null => (typeof value === 'number' && Number.isInteger(value) ? value : null);

/**
 * A retry of a failed execution, made as Attune's `RetryManager::create_retry_execution` makes one: a new row
 * `requested`, no worker, the original's action, parameters, env vars, parent, enforcement, identity, placement,
 * retention, trace tag, timeout, workflow task and release pin; `config` gains `retry_count`, `max_retries`,
 * `original_execution`, `retry_reason`, `retry_of` and `retry_at`; the columns `retry_count`, `max_retries`,
 * `retry_reason` and `original_execution` are filled; the secret parameters are copied. Unlike Attune (two
 * statements) it is one transaction, so a crash leaves no retry without its secrets.
 *
 * At most one retry of a given execution: one that already exists (`config.retry_of` = the original) is
 * returned instead of a second one, so an activity retried after a lost reply creates nothing twice. A retry is
 * retried by resetting the retry's own workflow.
 */
/**
 * `budget` (the retry on agent loss): the action's `max_retries` instead of the config's, and only while the chain
 * has retries left (`retry_count` < it) and only for a top-level execution (no parent, not a workflow task).
 */
export async function createRetryExecution(db: Pool, originalId: number, reason: RetryReason, budget?: { maxRetries: number }): Promise<RetryCreation> {
  return inTransaction(db, async (client) => {
    const original = await lockOriginal(client, originalId);
    if (!original) return { kind: 'refused', reason: `execution ${originalId} does not exist` };
    const config = original.config !== null && typeof original.config === 'object' && !Array.isArray(original.config) ? (original.config as Record<string, unknown>) : {};
    const originalExecution = integer(config.original_execution) ?? originalId;
    const existing = await findRetryOf(client, originalId, originalExecution);
    if (existing) return { kind: 'existed', retry: existing };
    if (original.workflow_task !== null) {
      const task = original.workflow_task.task_name ? ` "${original.workflow_task.task_name}"` : '';
      return {
        kind: 'refused',
        reason: `execution ${originalId} is task${task} of workflow execution ${original.workflow_task.workflow_execution ?? '?'}: Attune's executor owns the retries of workflow tasks (their parent has moved on)`,
      };
    }
    if (!(RETRYABLE_STATUSES as readonly string[]).includes(original.status)) {
      return { kind: 'refused', reason: `execution ${originalId} is ${original.status}: only a failed or timed-out execution is retried` };
    }
    if (!original.has_snapshot) return { kind: 'refused', reason: `Execution ${originalId} has no executable snapshot for retry` };

    const retryCount = (integer(config.retry_count) ?? 0) + 1;
    const maxRetries = budget?.maxRetries ?? integer(config.max_retries) ?? 0;
    if (budget !== undefined) {
      if (original.parent !== null) return { kind: 'refused', reason: `execution ${originalId} has a parent (${original.parent}): only top-level executions are retried on agent loss` };
      if (retryCount > maxRetries) return { kind: 'refused', reason: `execution ${originalId} has no retries left (${retryCount - 1} of max_retries ${maxRetries})` };
    }
    const retryConfig = {
      ...config,
      retry_count: retryCount,
      max_retries: maxRetries,
      original_execution: originalExecution,
      retry_reason: reason,
      retry_of: originalId,
      retry_at: new Date().toISOString(),
    };
    const traceTag = original.trace_tag ?? defaultExecutionTraceTag(original.action_ref, Date.now());
    const { rows } = await client.query<RetryColumns>(
      `INSERT INTO execution
         (action, action_ref, pack_release, pack_release_digest, executable_snapshot, config, env_vars, parent, enforcement, executor,
          permission_set_refs, artifact_retention_policy, artifact_retention_limit, worker_selector, worker_tolerations, worker_affinity,
          worker, status, trace_tag, result, timeout_seconds, workflow_task, retry_count, max_retries, retry_reason, original_execution)
       SELECT action, action_ref, pack_release, pack_release_digest, executable_snapshot, $2::jsonb, env_vars, parent, enforcement, executor,
              permission_set_refs, artifact_retention_policy, artifact_retention_limit, worker_selector, worker_tolerations, worker_affinity,
              NULL, 'requested', $3, NULL, timeout_seconds, workflow_task, $4, $5, $6, $7
         FROM execution WHERE id = $1
       RETURNING ${RETRY_COLUMNS}`,
      [originalId, JSON.stringify(retryConfig), traceTag, retryCount, maxRetries, reason, originalExecution],
    );
    const retry = toRetryRequest(rows[0]!);
    // ExecutionSecretValueRepository::copy_entity, entity execution_config.
    await client.query(
      `INSERT INTO execution_secret_value (entity_type, entity_id, json_path, source_kind, source_ref, encrypted_value, encryption_key_hash)
       SELECT entity_type, $2, json_path, source_kind, source_ref, encrypted_value, encryption_key_hash
         FROM execution_secret_value WHERE entity_type = 'execution_config' AND entity_id = $1
       ON CONFLICT (entity_type, entity_id, json_path) DO UPDATE SET
         source_kind = EXCLUDED.source_kind, source_ref = EXCLUDED.source_ref,
         encrypted_value = EXCLUDED.encrypted_value, encryption_key_hash = EXCLUDED.encryption_key_hash`,
      [originalId, retry.id],
    );
    return { kind: 'created', retry };
  });
}

async function lockOriginal(client: PoolClient, id: number): Promise<OriginalRow | null> {
  const { rows } = await client.query<OriginalRow>(
    `SELECT id::float8 AS id, status, action_ref, config, workflow_task, executable_snapshot IS NOT NULL AS has_snapshot, trace_tag,
            parent::float8 AS parent
       FROM execution WHERE id = $1 FOR UPDATE`,
    [id],
  );
  return rows[0] ?? null;
}

/** The retry made of `originalId` (every retry in a chain names the chain's first execution in original_execution). */
async function findRetryOf(client: PoolClient, originalId: number, chainRoot: number): Promise<RetryRequestRow | null> {
  const { rows } = await client.query<RetryColumns>(
    `SELECT ${RETRY_COLUMNS} FROM execution WHERE original_execution = $2 AND config->'retry_of' = to_jsonb($1::bigint) ORDER BY id LIMIT 1`,
    [originalId, chainRoot],
  );
  return rows[0] ? toRetryRequest(rows[0]) : null;
}

/** What the bridge reads of a retry row (to announce it), as made or as found. */
const RETRY_COLUMNS = `id::float8 AS id, action::float8 AS action, action_ref, parent::float8 AS parent, enforcement::float8 AS enforcement,
  config, pack_release::float8 AS pack_release, pack_release_digest, status, retry_count`;

interface RetryColumns {
  id: number;
  action: number | null;
  action_ref: string;
  parent: number | null;
  enforcement: number | null;
  config: Record<string, unknown>;
  pack_release: number | null;
  pack_release_digest: string | null;
  status: string;
  retry_count: number;
}

function toRetryRequest(row: RetryColumns): RetryRequestRow {
  return {
    id: row.id,
    action: row.action,
    actionRef: row.action_ref,
    parent: row.parent,
    enforcement: row.enforcement,
    config: row.config,
    releaseId: row.pack_release,
    releaseDigest: row.pack_release_digest,
    status: row.status,
    retryCount: row.retry_count,
  };
}

/** The execution's action's `max_retries`: from its snapshot of the action when it has one, else the action row. */
export async function actionMaxRetries(db: Pool, executionId: number): Promise<number> {
  const { rows } = await db.query<{ max_retries: number | null }>(
    `SELECT COALESCE((e.executable_snapshot->'executable'->'action'->>'max_retries')::int, a.max_retries, 0) AS max_retries
       FROM execution e LEFT JOIN action a ON a.id = e.action WHERE e.id = $1`,
    [executionId],
  );
  return rows[0]?.max_retries ?? 0;
}
