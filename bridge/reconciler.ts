import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { listOwnWorkers } from '../src/attune/db/workers';
import type { Logger } from '../src/log';
import type { CompleteInput, CompleteResult } from '../src/temporal/contracts';
import { deploymentNames, workflowIdForExecution } from '../src/temporal/names';
import type { BridgeMetrics } from './metrics';

const BATCH = 200;

export interface ReconcilerDeps {
  db: Pool;
  client: Client;
  log: Logger;
  /** The bridge's own final write (row + ExecutionStatusChanged + ExecutionCompleted), never over a terminal row. */
  complete: (input: CompleteInput) => Promise<CompleteResult>;
  /** How long a row must have been unchanged before it is looked at (a workflow that is just reporting gets time). */
  settleSeconds: number;
  /** Names this deployment's workflow ids; a first-release workflow may still hold the row under its own id. */
  bridgeTaskQueue: string;
  metrics?: Pick<BridgeMetrics, 'reconcilerAction'>;
}

/** What the reconciler decided for one row. */
export type Reconciled = { executionId: number; action: 'failed'; reason: string };

/**
 * The last line of "a final row, always": some ends never reach workflow code — a Terminate from the UI,
 * a workflow the server failed (a payload over its limit, a nondeterminism error), a workflow timeout, a
 * deleted workflow. Rows of our pools that are still non-terminal while their workflow is closed without
 * reporting (failed, terminated, timed out) or gone get a final `failed` row with a clear error. A row
 * still `scheduled` with no workflow at all is left alone: its dispatch may still be waiting in the queue
 * (or held during an outage); Attune's own scheduled-timeout sweep covers it.
 */
export class Reconciler {
  /** Rows are visited in id order, a batch per pass, so many long-running executions cannot starve newer ones. */
  private cursor = 0;

  constructor(private readonly deps: ReconcilerDeps) {}

  async pass(): Promise<Reconciled[]> {
    const deps = this.deps;
    const workerIds = (await listOwnWorkers(deps.db)).map((w) => w.id);
    if (workerIds.length === 0) return [];
    const { rows } = await deps.db.query<{ id: number; status: string }>(
      `SELECT id::float8 AS id, status::text AS status FROM execution
        WHERE worker = ANY($1::bigint[]) AND status IN ('scheduled', 'running', 'canceling')
          AND updated < NOW() - make_interval(secs => $2) AND id > $3
        ORDER BY id LIMIT ${BATCH}`,
      [workerIds, deps.settleSeconds, this.cursor],
    );
    this.cursor = rows.length < BATCH ? 0 : rows[rows.length - 1]!.id;
    const done: Reconciled[] = [];
    for (const row of rows) {
      const reason = await closedWithoutReport(deps.client, candidateIds(deps.bridgeTaskQueue, row.id), row.status);
      if (reason === null) continue;
      const result = await deps.complete({ v: 1, executionId: row.id, outcome: null, failure: { status: 'failed', error: reason }, outputFormat: 'text' });
      if (result.applied) {
        deps.log.warn({ executionId: row.id, previousStatus: row.status, reason }, 'reconciler: execution ended without its workflow reporting it; final row written');
        done.push({ executionId: row.id, action: 'failed', reason });
        deps.metrics?.reconcilerAction('failed_row_written');
      }
    }
    return done;
  }
}

/** The execution's workflow id in this deployment, then the first release's when it differs. */
const candidateIds = (bridgeTaskQueue: string, executionId: number) => [...new Set([deploymentNames(bridgeTaskQueue).executionWorkflowId(executionId), workflowIdForExecution(executionId)])];

/** Null while the workflow can still report (running, or closed normally); else the error text for the row. */
async function closedWithoutReport(client: Client, workflowIds: string[], rowStatus: string): Promise<string | null> {
  for (const workflowId of workflowIds) {
    try {
      const { status } = await client.workflow.getHandle(workflowId).describe();
      if (status.name === 'FAILED' || status.name === 'TERMINATED' || status.name === 'TIMED_OUT') {
        return `Workflow ${workflowId} ended ${status.name.toLowerCase().replace('_', ' ')} without reporting the execution (see it in the Temporal UI)`;
      }
      // Running: it will report. Completed: it reported, or was fenced off this row (not ours to touch).
      return null;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  if (rowStatus === 'scheduled') return null;
  return `Workflow ${workflowIds[0]} no longer exists (deleted?); the execution was not reported`;
}
