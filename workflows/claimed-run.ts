import { log, patched } from '@temporalio/workflow';
import type { ClaimResult, RunSpec } from '../src/temporal/contracts';
import { environmentStep, runOnAgent, versionStep, versionVerdict, type RunAttempt } from './agent-steps';
import type { ExecutionTimings } from './options';
import { PATCHES } from './patches';
import type { ExecutionState } from './state';

/** A run whose heartbeats were lost is looked for on its agent this many times before the agent counts as lost. */
export const MAX_REATTACH = 3;

/**
 * The agent's steps in the current workflow. The claim already told what the agent knows (`precheck`), so the
 * environment and version steps are scheduled only when they have work, and stay separate, named steps when
 * they do. runAction reports the artifact checksums itself. A run whose heartbeats were lost (a Temporal blip,
 * a network cut) is re-attached on the same agent by execution id: the agent still has the process, or its
 * outcome, and never spawns it again; a run it never received (the task lost in transit) it starts then; a run it
 * received but no longer has, or no agent, is "agent lost".
 */
export async function runClaimed(claim: ClaimResult, spec: RunSpec, state: ExecutionState, timings: ExecutionTimings): Promise<RunAttempt> {
  const precheck = claim.precheck;
  const hasEnvironment = (spec.executionConfig.environment?.env_type ?? 'none') !== 'none';
  if (precheck ? precheck.environment === 'needed' : hasEnvironment) {
    const ended = await environmentStep(claim, spec, state, timings);
    if (ended) return ended;
  }
  if ((spec.runtimeVersionConstraint ?? '').trim() !== '') {
    // The claim's answer when it could give one; else the step, after the environment (whose interpreter counts).
    const ended = precheck?.version ? versionVerdict(precheck.version) : await versionStep(claim, spec, state, timings);
    if (ended) return ended;
  }
  if (state.cancelRequested) return { kind: 'cancelled' };

  const first = await runOnAgent(claim, { ...spec, reattachable: true }, state, timings);
  let ran = first;
  for (let attempt = 1; ran.kind === 'lost' && ran.heartbeatLost === true && attempt <= MAX_REATTACH; attempt++) {
    log.warn('run heartbeats lost; re-attaching to the run on its agent', { agentId: claim.agentId, attempt });
    const lostRunStarts = patched(PATCHES.reattachStartsLostRun) ? { startIfNeverSeen: true } : {};
    const again = await runOnAgent(claim, { ...spec, reattachable: true, attach: true, ...lostRunStarts }, state, { ...timings, agentScheduleToStart: timings.reattachWait });
    // Not picked up (agent gone) or no such run there: the agent was lost, as the first attempt said.
    if (again.kind === 'not_started' || (again.kind === 'lost' && again.heartbeatLost !== true)) return first;
    ran = again;
  }
  return ran;
}
