import { ActivityFailure, TimeoutFailure, log, proxyActivities } from '@temporalio/workflow';
import type { AgentActivities, ClaimResult, RunSpec } from '../src/temporal/contracts';
import { runOnAgent, type RunAttempt } from './agent-steps';
import { agentStepOptions, environmentOptions, type ExecutionTimings } from './options';
import type { ExecutionState } from './state';

/** A run whose heartbeats were lost is looked for on its agent this many times before the agent counts as lost. */
export const MAX_REATTACH = 3;

const neverStarted = (err: unknown) => err instanceof ActivityFailure && err.cause instanceof TimeoutFailure && err.cause.timeoutType === 'SCHEDULE_TO_START';

/**
 * The agent's steps in the current workflow. The claim already told what the agent knows (`precheck`), so the
 * environment and version steps are scheduled only when they have work, and stay separate, named steps when
 * they do. runAction reports the artifact checksums itself. A run whose heartbeats were lost (a Temporal blip,
 * a network cut) is re-attached on the same agent by execution id: the agent still has the process, or its
 * outcome, and never spawns it again; no live run there, or no agent, is "agent lost".
 */
export async function runClaimed(claim: ClaimResult, spec: RunSpec, state: ExecutionState, timings: ExecutionTimings): Promise<RunAttempt> {
  const precheck = claim.precheck;
  const hasEnvironment = (spec.executionConfig.environment?.env_type ?? 'none') !== 'none';
  const constrained = (spec.runtimeVersionConstraint ?? '').trim() !== '';
  if (precheck ? precheck.environment === 'needed' : hasEnvironment) {
    state.phase = 'environment';
    const env = proxyActivities<AgentActivities>(environmentOptions(claim.taskQueue, timings));
    try {
      const prepared = await env.ensureEnvironment(spec);
      if (prepared.status === 'failed') log.warn('environment setup failed; running with the system interpreter', { error: prepared.error });
    } catch (err) {
      if (neverStarted(err)) return { kind: 'not_started' };
      log.warn('environment step failed; running with the system interpreter', { error: String(err) });
    }
    if (state.cancelRequested) return { kind: 'cancelled' };
  }
  if (constrained) {
    state.phase = 'verifying';
    let checked = precheck?.version ?? null;
    if (checked === null) {
      const steps = proxyActivities<AgentActivities>(agentStepOptions(claim.taskQueue, timings));
      try {
        checked = await steps.verifyRuntimeVersion(spec);
      } catch (err) {
        if (neverStarted(err)) return { kind: 'not_started' };
        return { kind: 'lost', error: `Agent ${claim.agentId} could not check the runtime version: ${String(err)}` };
      }
    }
    if (!checked.ok) return { kind: 'failed', error: checked.error ?? 'Runtime version check failed' };
  }
  if (state.cancelRequested) return { kind: 'cancelled' };

  const first = await runOnAgent(claim, { ...spec, reattachable: true }, state, timings);
  let ran = first;
  for (let attempt = 1; ran.kind === 'lost' && ran.heartbeatLost === true && attempt <= MAX_REATTACH; attempt++) {
    log.warn('run heartbeats lost; re-attaching to the run on its agent', { agentId: claim.agentId, attempt });
    const again = await runOnAgent(claim, { ...spec, reattachable: true, attach: true }, state, { ...timings, agentScheduleToStart: timings.reattachWait });
    // Not picked up (agent gone) or no such run there: the agent was lost, as the first attempt said.
    if (again.kind === 'not_started' || (again.kind === 'lost' && again.heartbeatLost !== true)) return first;
    ran = again;
  }
  return ran;
}
