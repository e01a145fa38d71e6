import { ApplicationFailure } from '@temporalio/workflow';
import type { ControlSteps } from './control-steps';
import type { ExecutionState, ExecutionWorkflowResult } from './state';

/**
 * Retry from the Temporal UI: Reset a failed or timed-out execution's workflow. The reset run replays up to the
 * reset point and runs on from there; its next bridge step (prepare, begin or the report, whichever comes first
 * after the reset point) finds the row already final — fenced — and, since the step runs under another run id than
 * the workflow's start event recorded, says the caller is a reset run (`resetRun` in its answer). The decision
 * rides in that recorded answer, not in the workflow's own view of its run id: the replayer gives a workflow its
 * original run id, so a workflow that read its run id would replay differently from how it ran.
 *
 * Then, with the execution's code ended, the run asks the bridge for Attune's retry row, a new execution that
 * Attune's scheduler dispatches and that runs as its own workflow. A refused retry (a workflow-task child, an
 * execution that did not fail, no release snapshot) fails the reset run with the reason, which the Temporal UI
 * shows; the bridge logs it too. The original row is never touched.
 */
export async function retryAfterReset(steps: Pick<ControlSteps, 'retryExecution'>, executionId: number, state: ExecutionState, fenced: ExecutionWorkflowResult): Promise<ExecutionWorkflowResult> {
  state.phase = 'retrying';
  const retry = await steps.retryExecution({ v: 1, executionId, reason: 'manual_retry' });
  if (retry.kind === 'refused') throw ApplicationFailure.nonRetryable(`Retry refused: ${retry.reason}`, 'AttuneRetryRefused');
  state.retriedAs = retry.retryExecutionId;
  state.phase = 'done';
  return { ...fenced, retriedAs: retry.retryExecutionId };
}
