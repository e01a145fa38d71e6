import { CancellationScope, condition, log, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ControlActivities, ExecutionWorkflowInput } from '../src/temporal/contracts';
import { claimAgent, claimAgentUnlessCancelled, runOnAgent, runStepsOnAgent } from './agent-steps';
import { controlOptions, executionTimings } from './options';
import { PATCHES } from './patches';
import { followExecution } from './messages';
import { endings } from './report';
import type { ExecutionWorkflowResult } from './state';

export { PATCHES } from './patches';
export type { ExecutionPhase, ExecutionState, ExecutionStatusView, ExecutionWorkflowResult } from './state';

export { cancelSignal, dispatchSignal, stateQuery, statusQuery } from './messages';

/** An agent that claimed but vanished before starting the run gets replaced this many times. */
export const MAX_CLAIMS = 5;

/**
 * One Attune execution: wait for its dispatch (or a cancel that beat it), prepare, claim an agent of
 * the pool, mark the row running, run on that agent, report. Started by signal-with-start from the
 * bridge, so duplicates and cancel-before-dispatch are handled durably by Temporal, not in memory.
 */
export async function executionWorkflow(input: ExecutionWorkflowInput): Promise<ExecutionWorkflowResult> {
  const { state, dispatch: dispatched } = followExecution(input.executionId, null);

  const timings = executionTimings(input.testTimings);
  const control = proxyActivities<ControlActivities>(controlOptions(workflowInfo().taskQueue));
  const end = endings(control, input.executionId, state);

  // Reporting must happen even when the workflow itself is being cancelled.
  return CancellationScope.nonCancellable(async () => {
    await condition(() => dispatched() !== null || state.cancelRequested);
    const dispatch = dispatched();
    if (dispatch === null) return end.cancelledBeforeStart('text');

    state.phase = 'preparing';
    const prepared = await control.prepareExecution({ v: 1, executionId: input.executionId, workerId: input.workerId, dispatch });
    if (prepared.kind === 'skip') {
      log.info('execution fenced: not ours to run', { status: prepared.status, reason: prepared.reason });
      return end.skipped(prepared.status);
    }
    if (prepared.kind === 'invalid') return end.failed(prepared.error, 'text');
    const spec = prepared.spec;
    const outputFormat = prepared.outputFormat;

    let begun = false;
    while (state.claims < MAX_CLAIMS) {
      if (state.cancelRequested) return end.cancelledBeforeStart(outputFormat);
      state.phase = 'claiming';
      state.claims += 1;
      const claim = patched(PATCHES.cancellableClaim)
        ? await claimAgentUnlessCancelled(input.pool, input.executionId, timings, state)
        : await claimAgent(input.pool, input.executionId, timings);
      if (claim === 'cancelled') return end.cancelledBeforeStart(outputFormat);
      if (claim === null) return end.failed(`No live agent in pool "${input.pool}" claimed the execution within ${timings.claimWait}`, outputFormat);
      if (state.cancelRequested) return end.cancelledBeforeStart(outputFormat);
      if (!begun) {
        const begin = await control.beginExecution({ v: 1, executionId: input.executionId, workerId: input.workerId });
        if (begin.kind === 'skip') return end.skipped(begin.status);
        if (begin.kind === 'canceling') return end.cancelledBeforeStart(outputFormat);
        begun = true;
      }
      state.agentId = claim.agentId;
      const ran = patched(PATCHES.agentSteps) ? await runStepsOnAgent(claim, spec, state, timings) : await runOnAgent(claim, spec, state, timings);
      if (ran.kind === 'outcome') return end.report({ outcome: ran.outcome, failure: null, outputFormat });
      if (ran.kind === 'lost' || ran.kind === 'failed') return end.failed(ran.error, outputFormat);
      if (ran.kind === 'cancelled') return end.cancelledBeforeStart(outputFormat);
      log.warn('claimed agent never started the run; claiming another', { agentId: claim.agentId });
    }
    return end.failed(`Agents of pool "${input.pool}" claimed the execution ${MAX_CLAIMS} times but none started it`, outputFormat);
  });
}
