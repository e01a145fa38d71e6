import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowIdReusePolicy, type SearchAttributePair } from '@temporalio/common';
import type { ExecutionCancelRequested, ExecutionDispatch } from '../src/attune/messages';
import type { IncomingEnvelope } from '../src/attune/envelope';
import type { AttuneExecutionInput, CancelSignal, DispatchSignal, ExecutionWorkflowInput } from '../src/temporal/contracts';
import { deploymentNames, SIGNALS, WORKFLOW_TYPES } from '../src/temporal/names';
import type { Logger } from '../src/log';
import type { Verdict } from './consumer';
import type { LegacyExecutions } from './legacy-executions';
import type { BridgeMetrics } from './metrics';
import { startAttributes, type SearchAttributes } from './search-attributes';

export interface ExecutionHandlerDeps {
  client: Client;
  bridgeTaskQueue: string;
  workerId: number;
  pool: string;
  log: Logger;
  legacy: LegacyExecutions;
  /** Whether the namespace has our search attributes (the bridge registered them or found them). */
  searchAttributes: Pick<SearchAttributes, 'ready' | 'lost'>;
  metrics?: Pick<BridgeMetrics, 'dispatchReceived' | 'cancelReceived'>;
}

/** Runs a start (or signal-with-start); a workflow already under that id (ids are never reused) means the message had its effect. */
async function unlessStarted(deps: ExecutionHandlerDeps, executionId: number, what: string, start: () => Promise<unknown>): Promise<void> {
  try {
    await start();
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    deps.log.info({ executionId, what }, 'execution workflow already exists or finished; message acknowledged without effect');
  }
}

/** gRPC INVALID_ARGUMENT naming a search attribute: the namespace lost ours (someone removed them). */
const refusedAttributes = (err: unknown) => (err as { code?: unknown }).code === 3 && /search attribute/i.test(String((err as Error).message));

/**
 * Starts with our search attributes when the namespace has them; should the server refuse them after all, they
 * are forgotten (looked for again by the next reconciler pass) and the start is made without them.
 */
async function withAttributes<T>(deps: ExecutionHandlerDeps, executionId: number, actionRef: string | null, start: (attributes: SearchAttributePair[] | undefined) => Promise<T>): Promise<T> {
  if (!deps.searchAttributes.ready) return start(undefined);
  try {
    return await start(startAttributes(executionId, deps.pool, actionRef));
  } catch (err) {
    if (!refusedAttributes(err)) throw err;
    deps.log.warn({ executionId, err: String(err) }, 'search attributes refused by the server: starting without them');
    deps.searchAttributes.lost();
    return start(undefined);
  }
}

/** The current workflow's id and input for an execution of this pool, in this deployment's names. */
function currentWorkflow(deps: ExecutionHandlerDeps, executionId: number, dispatch: DispatchSignal | null): { workflowId: string; input: AttuneExecutionInput } {
  const names = deploymentNames(deps.bridgeTaskQueue);
  const input: AttuneExecutionInput = { v: 1, executionId, workerId: deps.workerId, pool: deps.pool, poolTaskQueue: names.poolTaskQueue(deps.pool), dispatch };
  return { workflowId: names.executionWorkflowId(executionId), input };
}

/**
 * A dispatch starts the execution's workflow with the dispatch in its input, eagerly: the server hands the
 * first workflow task back in the start response to this bridge's own worker (same native connection), so
 * the execution begins without waiting for a poll. A workflow already under that id — a duplicate or
 * redelivery, or a cancel that came first — makes the start fail; the message is then acked without effect,
 * and because ids are never reused (REJECT_DUPLICATE) that also holds after the workflow has finished.
 */
async function startExecution(deps: ExecutionHandlerDeps, executionId: number, dispatch: DispatchSignal): Promise<void> {
  const { workflowId, input } = currentWorkflow(deps, executionId, dispatch);
  await unlessStarted(deps, executionId, 'dispatch', () =>
    withAttributes(deps, executionId, dispatch.actionRef, (typedSearchAttributes) =>
      deps.client.workflow.start(WORKFLOW_TYPES.attuneExecution, {
        workflowId,
        taskQueue: deps.bridgeTaskQueue,
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        requestEagerStart: true,
        staticSummary: `${dispatch.actionRef} · execution ${executionId} · pool ${deps.pool}`,
        typedSearchAttributes,
      }),
    ),
  );
}

/**
 * A cancel is a signal-with-start: it reaches the running workflow, or starts one without a dispatch that
 * reports the execution cancelled (the dispatch that follows then finds it and is acked). Signal-with-start
 * cannot be eager; cancels are rare.
 */
async function cancelExecution(deps: ExecutionHandlerDeps, executionId: number, cancel: CancelSignal): Promise<void> {
  const { workflowId, input } = currentWorkflow(deps, executionId, null);
  await withAttributes(deps, executionId, null, (typedSearchAttributes) =>
    signalWithStart(deps, executionId, WORKFLOW_TYPES.attuneExecution, workflowId, input, SIGNALS.cancel, cancel, typedSearchAttributes),
  );
}

/** Signal-with-start of `type` under `workflowId`: the signal reaches the running workflow, or starts one with `input`. */
async function signalWithStart(
  deps: ExecutionHandlerDeps,
  executionId: number,
  type: string,
  workflowId: string,
  input: AttuneExecutionInput | ExecutionWorkflowInput,
  signal: string,
  arg: DispatchSignal | CancelSignal,
  typedSearchAttributes?: SearchAttributePair[],
): Promise<void> {
  await unlessStarted(deps, executionId, signal, () =>
    deps.client.workflow.signalWithStart(type, {
      workflowId,
      taskQueue: deps.bridgeTaskQueue,
      args: [input],
      signal,
      signalArgs: [arg],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes,
    }),
  );
}

/** A message for an execution that a first-release workflow still runs goes to that workflow, as that release sent it. */
async function signalLegacy(deps: ExecutionHandlerDeps, workflowId: string, executionId: number, signal: string, arg: DispatchSignal | CancelSignal): Promise<void> {
  const input: ExecutionWorkflowInput = { v: 1, executionId, workerId: deps.workerId, pool: deps.pool };
  await signalWithStart(deps, executionId, WORKFLOW_TYPES.execution, workflowId, input, signal, arg);
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
  const legacyId = deps.legacy.workflowIdOf(payload.execution_id);
  if (legacyId) await signalLegacy(deps, legacyId, payload.execution_id, SIGNALS.dispatch, dispatch);
  else await startExecution(deps, payload.execution_id, dispatch);
  crashPoint('after-start');
  deps.metrics?.dispatchReceived(deps.pool);
  deps.log.info({ executionId: payload.execution_id, messageId: envelope.message_id }, 'dispatch accepted');
  return { kind: 'ack' };
}

/** ExecutionCancelRequested: a signal (with start, if the cancel beat its dispatch) before the ack. */
export async function acceptCancel(deps: ExecutionHandlerDeps, payload: ExecutionCancelRequested, envelope: IncomingEnvelope): Promise<Verdict> {
  const source = typeof envelope.headers.source_service === 'string' ? envelope.headers.source_service : null;
  const cancel: CancelSignal = { v: 1, messageId: envelope.message_id, sourceService: source };
  const legacyId = deps.legacy.workflowIdOf(payload.execution_id);
  if (legacyId) await signalLegacy(deps, legacyId, payload.execution_id, SIGNALS.cancel, cancel);
  else await cancelExecution(deps, payload.execution_id, cancel);
  deps.metrics?.cancelReceived(deps.pool);
  deps.log.info({ executionId: payload.execution_id }, 'cancel accepted');
  return { kind: 'ack' };
}
