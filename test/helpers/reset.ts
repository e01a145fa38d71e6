import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const { EventType } = temporal.api.enums.v1;

/**
 * What the Temporal UI's Reset does: a new run of the workflow from a completed workflow task (`first` or `last`
 * of its current run), the events after it dropped. Returns the reset run's id.
 */
export async function resetWorkflow(client: Client, workflowId: string, to: 'first' | 'last', reason = 'retry from the test'): Promise<string> {
  const handle = client.workflow.getHandle(workflowId);
  const { runId } = await handle.describe();
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const completed = (history.events ?? []).filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).map((e) => e.eventId);
  const eventId = to === 'first' ? completed[0] : completed[completed.length - 1];
  if (eventId === undefined || eventId === null) throw new Error(`${workflowId} has no completed workflow task to reset to`);
  const reset = await client.workflowService.resetWorkflowExecution({
    namespace: client.options.namespace,
    workflowExecution: { workflowId, runId },
    reason,
    workflowTaskFinishEventId: eventId,
    requestId: randomUUID(),
  });
  return reset.runId;
}
