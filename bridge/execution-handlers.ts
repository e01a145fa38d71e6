import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { ExecutionCancelRequested, ExecutionDispatch } from '../src/attune/messages';
import type { IncomingEnvelope } from '../src/attune/envelope';
import type { CancelSignal, DispatchSignal, ExecutionWorkflowInput } from '../src/temporal/contracts';
import { SIGNALS, WORKFLOW_TYPES, workflowIdForExecution } from '../src/temporal/names';
import type { Logger } from '../src/log';
import type { Verdict } from './consumer';

export interface ExecutionHandlerDeps {
  client: Client;
  bridgeTaskQueue: string;
  workerId: number;
  pool: string;
  log: Logger;
}

/**
 * Both dispatch and cancel use signal-with-start on the execution's workflow id, so whichever arrives
 * first creates the workflow and the other finds it: duplicates, redeliveries and a cancel that beats
 * its dispatch are all settled by Temporal, durably, across bridge restarts and replicas. A finished
 * workflow's id is never reused, so a late duplicate is rejected and simply acked.
 */
async function signalWithStart(deps: ExecutionHandlerDeps, executionId: number, signal: string, arg: DispatchSignal | CancelSignal): Promise<void> {
  const input: ExecutionWorkflowInput = { v: 1, executionId, workerId: deps.workerId, pool: deps.pool };
  try {
    await deps.client.workflow.signalWithStart(WORKFLOW_TYPES.execution, {
      workflowId: workflowIdForExecution(executionId),
      taskQueue: deps.bridgeTaskQueue,
      args: [input],
      signal,
      signalArgs: [arg],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      deps.log.info({ executionId, signal }, 'execution already finished; message acknowledged without effect');
      return;
    }
    throw err;
  }
}

/**
 * Fault injection for the crash tests: ATTUNE_TEMPORAL_CRASH_AT=before-start|after-start makes the bridge
 * SIGKILL itself at that point of handling a dispatch, i.e. after receiving it and before acking it.
 */
function crashPoint(point: 'before-start' | 'after-start'): void {
  if (process.env.ATTUNE_TEMPORAL_CRASH_AT === point) process.kill(process.pid, 'SIGKILL');
}

/** ExecutionRequested on the pool's executions queue: the workflow starts (or already exists) before the ack. */
export async function acceptDispatch(deps: ExecutionHandlerDeps, payload: ExecutionDispatch, envelope: IncomingEnvelope): Promise<Verdict> {
  const dispatch: DispatchSignal = {
    v: 1,
    messageId: envelope.message_id,
    actionRef: payload.action_ref,
    releaseId: payload.release_id,
    releaseDigest: payload.release_digest,
  };
  crashPoint('before-start');
  await signalWithStart(deps, payload.execution_id, SIGNALS.dispatch, dispatch);
  crashPoint('after-start');
  deps.log.info({ executionId: payload.execution_id, messageId: envelope.message_id }, 'dispatch accepted');
  return { kind: 'ack' };
}

/** ExecutionCancelRequested: a signal (with start, if the cancel beat its dispatch) before the ack. */
export async function acceptCancel(deps: ExecutionHandlerDeps, payload: ExecutionCancelRequested, envelope: IncomingEnvelope): Promise<Verdict> {
  const source = typeof envelope.headers.source_service === 'string' ? envelope.headers.source_service : null;
  await signalWithStart(deps, payload.execution_id, SIGNALS.cancel, { v: 1, messageId: envelope.message_id, sourceService: source });
  deps.log.info({ executionId: payload.execution_id }, 'cancel accepted');
  return { kind: 'ack' };
}
