import { ActivityFailure, CancellationScope, TimeoutFailure, condition, isCancellation, log, patched, proxyActivities } from '@temporalio/workflow';
import type { AgentActivities, AgentControlActivities, ClaimInput, ClaimResult, PoolActivities, RunOutcome, RunSpec, VersionCheckResult } from '../src/temporal/contracts';
import { poolTaskQueue } from '../src/temporal/names';
import { agentStepOptions, claimOptions, environmentOptions, killOptions, runOptions, type ExecutionTimings } from './options';
import { PATCHES } from './patches';
import type { ExecutionState } from './state';
import { SUMMARIES } from './summaries';
import { progressOfOutcome, progressOfHeartbeat } from './progress';

/** Any live agent of the pool claims the execution; null when none did within the claim wait. */
export async function claimAgent(pool: string, executionId: number, timings: ExecutionTimings): Promise<ClaimResult | null> {
  return claimOnQueue(poolTaskQueue(pool), { v: 1, executionId }, timings, pool);
}

/** The claim on a named pool queue (the current workflow takes the name from its input). */
export async function claimOnQueue(taskQueue: string, input: ClaimInput, timings: ExecutionTimings, pool: string): Promise<ClaimResult | null> {
  const poolActivities = proxyActivities<PoolActivities>({ ...claimOptions(taskQueue, timings), summary: SUMMARIES.claim(input.executionId, pool) });
  try {
    return await poolActivities.claimAgent(input);
  } catch (err) {
    if (err instanceof ActivityFailure && err.cause instanceof TimeoutFailure) return null;
    throw err;
  }
}

/**
 * The claim, given up as soon as a cancel is requested: the claim activity is cancelled (a claim that had
 * already reserved a slot on an agent frees it after the reservation window) and `cancelled` is returned.
 */
export async function claimAgentUnlessCancelled(
  pool: string,
  executionId: number,
  timings: ExecutionTimings,
  state: ExecutionState,
  claim: () => Promise<ClaimResult | null> = () => claimAgent(pool, executionId, timings),
): Promise<ClaimResult | null | 'cancelled'> {
  const scope = new CancellationScope();
  let settled = false;
  const watcher = condition(() => state.cancelRequested || settled).then(() => {
    if (!settled) scope.cancel();
  });
  try {
    return await scope.run(claim);
  } catch (err) {
    if (isCancellation(err) && state.cancelRequested) return 'cancelled';
    throw err;
  } finally {
    settled = true;
    await watcher;
  }
}

/** How one attempt on a claimed agent ended; `not_started` means the agent vanished first: claim again. */
export type RunAttempt =
  | { kind: 'outcome'; outcome: RunOutcome }
  | { kind: 'not_started' }
  | { kind: 'lost'; error: string; heartbeatLost?: boolean }
  | { kind: 'failed'; error: string }
  | { kind: 'cancelled' };

const neverStarted = (err: unknown) => err instanceof ActivityFailure && err.cause instanceof TimeoutFailure && err.cause.timeoutType === 'SCHEDULE_TO_START';

/** The environment step (lazy setup; a failure is recorded and the action runs with the system interpreter, as in Attune). Null: go on. */
export async function environmentStep(claim: ClaimResult, spec: RunSpec, state: ExecutionState, timings: ExecutionTimings): Promise<RunAttempt | null> {
  state.phase = 'environment';
  const env = proxyActivities<AgentActivities>({ ...environmentOptions(claim.taskQueue, timings), summary: SUMMARIES.environment(spec, claim.agentId) });
  try {
    const prepared = await env.ensureEnvironment(spec);
    if (prepared.status === 'failed') log.warn('environment setup failed; running with the system interpreter', { error: prepared.error });
  } catch (err) {
    if (neverStarted(err)) return { kind: 'not_started' };
    log.warn('environment step failed; running with the system interpreter', { error: String(err) });
  }
  return state.cancelRequested ? { kind: 'cancelled' } : null;
}

/** The version check step against the action's constraint; null when the interpreter fits. */
export async function versionStep(claim: ClaimResult, spec: RunSpec, state: ExecutionState, timings: ExecutionTimings): Promise<RunAttempt | null> {
  state.phase = 'verifying';
  const steps = proxyActivities<AgentActivities>({ ...agentStepOptions(claim.taskQueue, timings), summary: SUMMARIES.version(spec, claim.agentId) });
  try {
    return versionVerdict(await steps.verifyRuntimeVersion(spec));
  } catch (err) {
    if (neverStarted(err)) return { kind: 'not_started' };
    return { kind: 'lost', error: `Agent ${claim.agentId} could not check the runtime version: ${String(err)}` };
  }
}

/** A version check's answer as the attempt's end: null when it fits. */
export const versionVerdict = (checked: VersionCheckResult): RunAttempt | null => (checked.ok ? null : { kind: 'failed', error: checked.error ?? 'Runtime version check failed' });

/**
 * The agent's steps, each visible by name in the Temporal UI: lazy environment, on-demand version check, the
 * run, then sizes and checksums of what the execution left behind.
 */
export async function runStepsOnAgent(claim: ClaimResult, spec: RunSpec, state: ExecutionState, timings: ExecutionTimings): Promise<RunAttempt> {
  const steps = proxyActivities<AgentActivities>({ ...agentStepOptions(claim.taskQueue, timings), summary: SUMMARIES.artifacts(spec.executionId, claim.agentId) });
  // Each step is a server round trip: skip the ones that cannot do anything for this action.
  const skipNoop = patched(PATCHES.skipNoopSteps);
  const envType = spec.executionConfig.environment?.env_type;
  if (!skipNoop || (envType !== undefined && envType !== 'none')) {
    const ended = await environmentStep(claim, spec, state, timings);
    if (ended) return ended;
  }
  if (!skipNoop || (spec.runtimeVersionConstraint ?? '').trim() !== '') {
    const ended = await versionStep(claim, spec, state, timings);
    if (ended) return ended;
  }
  if (state.cancelRequested) return { kind: 'cancelled' };
  const ran = await runOnAgent(claim, spec, state, timings);
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

/**
 * Runs on the claimed agent; a cancel request becomes a kill on the agent's control queue. Before the
 * agent-steps patch this was the whole attempt (no environment, version or artifact steps).
 */
export async function runOnAgent(claim: ClaimResult, spec: RunSpec, state: ExecutionState, timings: ExecutionTimings): Promise<RunAttempt> {
  state.phase = 'running';
  const agent = proxyActivities<AgentActivities>({ ...runOptions(claim.taskQueue, spec.timeoutSeconds, timings), summary: SUMMARIES.run(spec, claim.agentId) });
  const control = proxyActivities<AgentControlActivities>({ ...killOptions(claim.controlTaskQueue, timings), summary: SUMMARIES.kill(spec.executionId, claim.agentId) });
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
    const outcome = await agent.runAction(spec);
    state.progress = progressOfOutcome(outcome);
    return { kind: 'outcome', outcome };
  } catch (err) {
    if (err instanceof ActivityFailure && err.cause instanceof TimeoutFailure) {
      const timeoutType = err.cause.timeoutType;
      state.progress = progressOfHeartbeat(err.cause.lastHeartbeatDetails) ?? state.progress;
      if (timeoutType === 'SCHEDULE_TO_START') return { kind: 'not_started' };
      if (timeoutType === 'HEARTBEAT') {
        return { kind: 'lost', error: `Agent ${claim.agentId} was lost while running the action (no heartbeat for ${timings.runHeartbeatTimeout})`, heartbeatLost: true };
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
