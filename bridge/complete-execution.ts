import type { Pool } from 'pg';
import { markFinished } from '../src/attune/db/executions';
import { Context } from '@temporalio/activity';
import { buildReport, LogUnavailableError, type FinalReport } from '../src/attune/result';
import type { Logger } from '../src/log';
import { attuneKeyHash, encryptAttuneJson } from '../src/attune/crypto';
import { findOutSchema, findSecretParameterPaths, storeResultSecrets } from '../src/attune/db/secrets';
import { redactActionResult, secretOutputPaths } from '../src/attune/result-redaction';
import type { CompleteInput, CompleteResult } from '../src/temporal/contracts';
import type { AttunePublisher } from './publisher';
import { classifyFault } from '../src/attune/fault';
import { storableJson } from '../src/attune/storable-json';
import { writeResultFile } from './result-file';
import type { BridgeMetrics } from './metrics';

/**
 * Final report: write status and result (never over a row already terminal), then publish
 * ExecutionStatusChanged and ExecutionCompleted with accurate lower-case statuses. A retry after a lost
 * reply re-applies the same write and publishes again: at least once, which consumers tolerate since
 * they reload the row.
 *
 * The result is made storable by rule first (storableJson: NUL and lone surrogates become U+FFFD). A
 * write that still fails for good (classifyFault: a data, integrity, syntax or limit error, a result too
 * deep to serialize) is not retried for ever: a minimal `failed` row saying why is written and published
 * instead. Transient and unknown faults are rethrown, for Temporal to retry as before.
 */
export async function completeExecution(
  deps: { db: Pool; publisher: AttunePublisher; log: Logger; encryptionKey: string | undefined; artifactsDir: string; metrics?: Pick<BridgeMetrics, 'executionFinished'> },
  input: CompleteInput,
): Promise<CompleteResult> {
  let report: FinalReport = input.outcome
    ? await reportFromLogs(input.outcome, input.outputFormat, { artifactsDir: deps.artifactsDir, executionId: input.executionId }, deps.log)
    : { status: input.failure?.status ?? 'failed', result: failureResult(input.failure) };
  let written: Awaited<ReturnType<typeof markFinished>>;
  try {
    // Every report, as Attune's worker redacts success, failure, timeout and cancellation alike.
    report.result = await redactSecretOutput(deps, input.executionId, report.result);
    report.result = storableJson(report.result);
    if (report.result.data !== undefined && !(await writeResultFile(deps.artifactsDir, input.executionId, report.result.data))) {
      deps.log.warn({ executionId: input.executionId }, 'result.json could not be written to the artifacts directory');
    }
    written = await markFinished(deps.db, input.executionId, report.status, report.result);
  } catch (err) {
    const fault = classifyFault(err);
    if (fault.kind !== 'permanent') throw err;
    deps.log.error({ err, executionId: input.executionId, status: report.status, reason: fault.reason }, 'result cannot be stored: writing a minimal failed row instead');
    report = { status: 'failed', result: unstorableResult(fault.reason, input.outcome) };
    written = await markFinished(deps.db, input.executionId, report.status, report.result);
  }
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
  if (!written.reapplied) deps.metrics?.executionFinished(report.status, written.runningSeconds);
  return { v: 1, applied: true, status: report.status, previousStatus: written.previousStatus, reapplied: written.reapplied };
}

/**
 * Attune's worker redaction of a result, before the row is written so neither the row nor ExecutionCompleted
 * carries a secret: out_schema secret fields of `data`, and `stdout` / `error` whole when the execution has
 * secret parameters or secret output fields (redactActionResult). What is taken out is stored encrypted in
 * execution_secret_value (entity execution_result).
 */
async function redactSecretOutput(deps: { db: Pool; log: Logger; encryptionKey: string | undefined }, executionId: number, result: Record<string, unknown>): Promise<Record<string, unknown>> {
  const [outSchema, parameterPaths] = await Promise.all([findOutSchema(deps.db, executionId), findSecretParameterPaths(deps.db, executionId)]);
  const { result: redacted, taken } = redactActionResult(result, {
    outSchemaPaths: secretOutputPaths(outSchema),
    parameterPaths,
    executionId,
  });
  if (taken.length === 0) return result;
  if (deps.encryptionKey) {
    const keyHash = attuneKeyHash(deps.encryptionKey);
    const key = deps.encryptionKey;
    await storeResultSecrets(deps.db, executionId, taken.map((t) => ({ jsonPath: t.jsonPath, encrypted: encryptAttuneJson(t.value, key), keyHash, sourceRef: t.sourceRef })));
  } else {
    // Attune fails here; we still never store the value in clear, and say why it cannot be recovered.
    deps.log.error({ executionId, paths: taken.map((t) => t.jsonPath) }, 'secret output redacted but not stored: no encryption key configured');
  }
  return redacted;
}

/** Transient read errors are retried by Temporal; after a few attempts the tails stand in for the logs. */
const LOG_READ_ATTEMPTS = 5;

async function reportFromLogs(
  outcome: NonNullable<CompleteInput['outcome']>,
  outputFormat: CompleteInput['outputFormat'],
  logs: { artifactsDir: string; executionId: number },
  log: Logger,
): Promise<FinalReport> {
  try {
    return await buildReport(outcome, outputFormat, logs);
  } catch (err) {
    if (!(err instanceof LogUnavailableError) || Context.current().info.attempt < LOG_READ_ATTEMPTS) throw err;
    log.error({ err, executionId: logs.executionId }, 'execution logs unreadable; reporting with the tails only');
    return buildReport(outcome, outputFormat, { ...logs, tailOnly: true });
  }
}

/** What is stored when the result itself cannot be: why, plus the exit code and duration when known. */
function unstorableResult(reason: string, outcome: CompleteInput['outcome']): Record<string, unknown> {
  const result: Record<string, unknown> = { succeeded: false, error: `Result could not be stored: ${reason}` };
  if (outcome) Object.assign(result, { exit_code: outcome.exitCode, duration_ms: outcome.durationMs });
  return storableJson(result);
}

function failureResult(failure: CompleteInput['failure']): Record<string, unknown> {
  if (failure?.status === 'cancelled') return { succeeded: false, cancelled: true, error: failure.error };
  return { succeeded: false, error: failure?.error ?? 'Execution failed' };
}
