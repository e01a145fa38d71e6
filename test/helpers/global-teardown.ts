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
    // The raw visibility API: memos are encrypted with whatever key a test used, and nothing here needs them.
    const query = `ExecutionStatus="Running" AND StartTime >= "${startedAt}"`;
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await connection.workflowService.listWorkflowExecutions({ namespace: SERVICES.namespace, query, nextPageToken });
      for (const wf of page.executions ?? []) {
        const workflowId = wf.execution?.workflowId ?? '?';
        left.push(`${workflowId} (${wf.type?.name ?? '?'}, task queue ${wf.taskQueue ?? '?'})`);
        await client.workflow.getHandle(workflowId, wf.execution?.runId ?? undefined).terminate('left Running by the test suite').catch(() => undefined);
      }
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken);
    if (left.length > 0) throw new Error(`${left.length} workflow(s) started by the tests were still Running (now terminated):\n  ${left.join('\n  ')}`);
  } finally {
    await connection.close();
  }
}
