import { Client, Connection } from '@temporalio/client';
import { SERVICES } from './services';
import { RUN_STARTED_AT } from './run-started';

/**
 * Tests leave nothing behind in the shared dev server: any workflow a test of this run started that is
 * still Running fails the run (listed by id and type) — and is terminated, so the next run starts clean.
 */
export default async function globalTeardown(): Promise<void> {
  const startedAt = process.env[RUN_STARTED_AT];
  if (!startedAt) return;
  const connection = await Connection.connect({ address: SERVICES.temporalAddress, connectTimeout: 5000 });
  try {
    const client = new Client({ connection, namespace: SERVICES.namespace });
    const left: string[] = [];
    for await (const wf of client.workflow.list({ query: `ExecutionStatus="Running" AND StartTime >= "${startedAt}"` })) {
      left.push(`${wf.workflowId} (${wf.type}, task queue ${wf.taskQueue})`);
      await client.workflow.getHandle(wf.workflowId, wf.runId).terminate('left Running by the test suite').catch(() => undefined);
    }
    if (left.length > 0) throw new Error(`${left.length} workflow(s) started by the tests were still Running (now terminated):\n  ${left.join('\n  ')}`);
  } finally {
    await connection.close();
  }
}
