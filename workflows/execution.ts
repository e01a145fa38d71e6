import {
  ActivityFailure,
  CancellationScope,
  TimeoutFailure,
  condition,
  defineQuery,
  defineSignal,
  log,
  proxyActivities,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  AgentActivities,
  AgentControlActivities,
  CancelSignal,
  ClaimResult,
  CompleteInput,
  ControlActivities,
  DispatchSignal,
  ExecutionWorkflowInput,
  OutputFormat,
  PoolActivities,
  RunOutcome,
  RunSpec,
} from '../src/temporal/contracts';
import { QUERIES, SIGNALS, poolTaskQueue } from '../src/temporal/names';
import { agentStepOptions, claimOptions, controlOptions, environmentOptions, killOptions, runOptions, CLAIM_WAIT, RUN_HEARTBEAT_TIMEOUT } from './options';

/**
 * Workflow changes since the first release, each behind patched() so executions started by older code
 * replay unchanged (test/fixtures/histories holds their recorded histories).
 */
export const PATCHES = {
  /** ensureEnvironment → verifyRuntimeVersion → runAction → finalizeArtifacts as separate steps. */
  agentSteps: 'agent-steps-v2',
  /** No ensureEnvironment for runtimes without an environment, no version check without a constraint. */
  skipNoopSteps: 'skip-noop-agent-steps-v3',
} as const;

export const dispatchSignal = defineSignal<[DispatchSignal]>(SIGNALS.dispatch);
export const cancelSignal = defineSignal<[CancelSignal]>(SIGNALS.cancel);

export type ExecutionPhase = 'waiting_dispatch' | 'preparing' | 'claiming' | 'environment' | 'verifying' | 'running' | 'finalizing' | 'reporting' | 'done';
export interface ExecutionState {
  phase: ExecutionPhase;
  dispatches: number;
  cancelRequested: boolean;
  agentId: string | null;
  claims: number;
  finalStatus: string | null;
}
export const stateQuery = defineQuery<ExecutionState>(QUERIES.state);

export interface ExecutionWorkflowResult {
  v: 1;
  status: string;
  applied: boolean;
}

/** An agent that claimed but vanished before starting the run gets replaced this many times. */
const MAX_CLAIMS = 5;

/**
 * One Attune execution: wait for its dispatch (or a cancel that beat it), prepare, claim an agent of
 * the pool, mark the row running, run on that agent, report. Started by signal-with-start from the
 * bridge, so duplicates and cancel-before-dispatch are handled durably by Temporal, not in memory.
 */
export async function executionWorkflow(input: ExecutionWorkflowInput): Promise<ExecutionWorkflowResult> {
  const state: ExecutionState = {
    phase: 'waiting_dispatch',
    dispatches: 0,
    cancelRequested: false,
    agentId: null,
    claims: 0,
    finalStatus: null,
  };
  let dispatch: DispatchSignal | undefined;
  setHandler(dispatchSignal, (d) => {
    state.dispatches += 1;
    dispatch ??= d;
  });
  setHandler(cancelSignal, () => {
    state.cancelRequested = true;
  });
  setHandler(stateQuery, () => state);
  // Cancelling the workflow (Temporal UI, CLI) means the same as Attune's cancel: stop the action, report it.
  CancellationScope.current().cancelRequested.catch(() => {
    state.cancelRequested = true;
  });

  const control = proxyActivities<ControlActivities>(controlOptions(workflowInfo().taskQueue));
  const report = async (complete: Omit<CompleteInput, 'v' | 'executionId'>): Promise<ExecutionWorkflowResult> => {
    state.phase = 'reporting';
    const done = await control.completeExecution({ v: 1, executionId: input.executionId, ...complete });
    state.phase = 'done';
    state.finalStatus = done.status;
    return { v: 1, status: done.status, applied: done.applied };
  };
  const cancelledBeforeStart = (outputFormat: OutputFormat) =>
    report({ outcome: null, failure: { status: 'cancelled', error: 'Cancelled before execution started' }, outputFormat });

  // Reporting must happen even when the workflow itself is being cancelled.
  return CancellationScope.nonCancellable(async () => {
    await condition(() => dispatch !== undefined || state.cancelRequested);
    if (dispatch === undefined) return cancelledBeforeStart('text');

    state.phase = 'preparing';
    const prepared = await control.prepareExecution({ v: 1, executionId: input.executionId, workerId: input.workerId, dispatch });
    if (prepared.kind === 'skip') {
      log.info('execution fenced: not ours to run', { status: prepared.status, reason: prepared.reason });
      state.phase = 'done';
      state.finalStatus = prepared.status;
      return { v: 1, status: prepared.status, applied: false };
    }
    if (prepared.kind === 'invalid') return report({ outcome: null, failure: { status: 'failed', error: prepared.error }, outputFormat: 'text' });
    const spec = prepared.spec;
    const outputFormat = prepared.outputFormat;

    let begun = false;
    while (state.claims < MAX_CLAIMS) {
      if (state.cancelRequested) return cancelledBeforeStart(outputFormat);
      state.phase = 'claiming';
      state.claims += 1;
      const claim = await claimAgent(input.pool, input.executionId);
      if (claim === null) {
        const error = `No live agent in pool "${input.pool}" claimed the execution within ${CLAIM_WAIT}`;
        return report({ outcome: null, failure: { status: 'failed', error }, outputFormat });
      }
      if (state.cancelRequested) return cancelledBeforeStart(outputFormat);
      if (!begun) {
        const begin = await control.beginExecution({ v: 1, executionId: input.executionId, workerId: input.workerId });
        if (begin.kind === 'skip') {
          state.phase = 'done';
          state.finalStatus = begin.status;
          return { v: 1, status: begin.status, applied: false };
        }
        if (begin.kind === 'canceling') return cancelledBeforeStart(outputFormat);
        begun = true;
      }
      state.agentId = claim.agentId;
      const ran = patched(PATCHES.agentSteps) ? await runStepsOnAgent(claim, spec, state) : await runOnAgent(claim, spec, state);
      if (ran.kind === 'outcome') return report({ outcome: ran.outcome, failure: null, outputFormat });
      if (ran.kind === 'lost' || ran.kind === 'failed') return report({ outcome: null, failure: { status: 'failed', error: ran.error }, outputFormat });
      if (ran.kind === 'cancelled') return cancelledBeforeStart(outputFormat);
      log.warn('claimed agent never started the run; claiming another', { agentId: claim.agentId });
    }
    const error = `Agents of pool "${input.pool}" claimed the execution ${MAX_CLAIMS} times but none started it`;
    return report({ outcome: null, failure: { status: 'failed', error }, outputFormat });
  });
}

async function claimAgent(pool: string, executionId: number): Promise<ClaimResult | null> {
  const poolActivities = proxyActivities<PoolActivities>(claimOptions(poolTaskQueue(pool)));
  try {
    return await poolActivities.claimAgent({ v: 1, executionId });
  } catch (err) {
    if (err instanceof ActivityFailure && err.cause instanceof TimeoutFailure) return null;
    throw err;
  }
}

type RunAttempt =
  | { kind: 'outcome'; outcome: RunOutcome }
  | { kind: 'not_started' }
  | { kind: 'lost'; error: string }
  | { kind: 'failed'; error: string }
  | { kind: 'cancelled' };

const neverStarted = (err: unknown) => err instanceof ActivityFailure && err.cause instanceof TimeoutFailure && err.cause.timeoutType === 'SCHEDULE_TO_START';

/**
 * The agent's steps, each visible by name in the Temporal UI: lazy environment (a failure is recorded
 * and the action runs with the system interpreter, as in Attune), on-demand version check, the run,
 * then sizes and checksums of what the execution left behind.
 */
async function runStepsOnAgent(claim: ClaimResult, spec: RunSpec, state: ExecutionState): Promise<RunAttempt> {
  const env = proxyActivities<AgentActivities>(environmentOptions(claim.taskQueue));
  const steps = proxyActivities<AgentActivities>(agentStepOptions(claim.taskQueue));
  // Each step is a server round trip: skip the ones that cannot do anything for this action.
  const skipNoop = patched(PATCHES.skipNoopSteps);
  const envType = spec.executionConfig.environment?.env_type;
  if (!skipNoop || (envType !== undefined && envType !== 'none')) {
    state.phase = 'environment';
    try {
      const prepared = await env.ensureEnvironment(spec);
      if (prepared.status === 'failed') log.warn('environment setup failed; running with the system interpreter', { error: prepared.error });
    } catch (err) {
      if (neverStarted(err)) return { kind: 'not_started' };
      log.warn('environment step failed; running with the system interpreter', { error: String(err) });
    }
    if (state.cancelRequested) return { kind: 'cancelled' };
  }
  if (!skipNoop || (spec.runtimeVersionConstraint ?? '').trim() !== '') {
    state.phase = 'verifying';
    try {
      const checked = await steps.verifyRuntimeVersion(spec);
      if (!checked.ok) return { kind: 'failed', error: checked.error ?? 'Runtime version check failed' };
    } catch (err) {
      if (neverStarted(err)) return { kind: 'not_started' };
      return { kind: 'lost', error: `Agent ${claim.agentId} could not check the runtime version: ${String(err)}` };
    }
  }
  if (state.cancelRequested) return { kind: 'cancelled' };
  const ran = await runOnAgent(claim, spec, state);
  if (ran.kind === 'outcome') {
    state.phase = 'finalizing';
    try {
      await steps.finalizeArtifacts({ v: 1, executionId: spec.executionId });
    } catch (err) {
      log.warn('artifact finalization failed', { error: String(err) });
    }
  }
  return ran;
}

/** Runs on the claimed agent; a cancel request becomes a kill on the agent's control queue. */
async function runOnAgent(claim: ClaimResult, spec: RunSpec, state: ExecutionState): Promise<RunAttempt> {
  state.phase = 'running';
  const agent = proxyActivities<AgentActivities>(runOptions(claim.taskQueue, spec.timeoutSeconds));
  const control = proxyActivities<AgentControlActivities>(killOptions(claim.controlTaskQueue));
  let finished = false;
  const killer = (async () => {
    await condition(() => state.cancelRequested || finished);
    if (finished) return;
    try {
      await control.killAction({ v: 1, executionId: spec.executionId, reason: 'cancel' });
    } catch (err) {
      // An unreachable agent is caught by the run's heartbeat timeout instead.
      log.warn('kill request not delivered', { error: String(err) });
    }
  })();
  try {
    return { kind: 'outcome', outcome: await agent.runAction(spec) };
  } catch (err) {
    if (err instanceof ActivityFailure && err.cause instanceof TimeoutFailure) {
      const timeoutType = err.cause.timeoutType;
      if (timeoutType === 'SCHEDULE_TO_START') return { kind: 'not_started' };
      if (timeoutType === 'HEARTBEAT') {
        return { kind: 'lost', error: `Agent ${claim.agentId} was lost while running the action (no heartbeat for ${RUN_HEARTBEAT_TIMEOUT})` };
      }
      return { kind: 'lost', error: `Agent ${claim.agentId} did not finish the action in time` };
    }
    if (err instanceof ActivityFailure) {
      return { kind: 'lost', error: `Action execution failed: Internal error: ${err.cause?.message ?? err.message}` };
    }
    throw err;
  } finally {
    finished = true;
    await killer;
  }
}
