import { ActivityFailure, CancellationScope, condition, log, workflowInfo } from '@temporalio/workflow';
import type { AttuneExecutionInput, OutputFormat } from '../src/temporal/contracts';
import { claimAgentUnlessCancelled, claimOnQueue } from './agent-steps';
import { runClaimed } from './claimed-run';
import { controlSteps } from './control-steps';
import { MAX_CLAIMS } from './execution';
import { followExecution } from './messages';
import { executionTimings } from './options';
import { endings } from './report';
import { retryAfterReset } from './reset-retry';
import { showRunning } from './search-attributes';
import type { ExecutionWorkflowResult } from './state';

/**
 * One Attune execution, the current flow: the bridge starts it eagerly with the dispatch in its input (or by
 * signal-with-start without one, when Attune's cancel came first), prepares and begins it in local
 * activities, claims an agent that answers with what it already knows, runs there, and reports. A plain
 * action costs 3 workflow tasks and 2 activity tasks. Whatever fails inside ends in the report (a `failed`
 * row saying why); what never reaches this code (a Terminate, a payload the server refuses) is the
 * reconciler's. A run made by Temporal's Reset of a failed execution creates Attune's retry of it.
 */
export async function attuneExecutionWorkflow(input: AttuneExecutionInput): Promise<ExecutionWorkflowResult> {
  const { state, dispatch: dispatched } = followExecution(input.executionId, input.dispatch);

  const timings = executionTimings(input.testTimings);
  const steps = controlSteps(workflowInfo().taskQueue);
  // Passed to the bridge's steps, which tell a fenced answer to a run made by Reset (see reset-retry.ts).
  const originalRunId = workflowInfo().originalExecutionRunId;
  const end = endings(steps, input.executionId, state, originalRunId);
  let outputFormat: OutputFormat = 'text';

  const execute = async (): Promise<ExecutionWorkflowResult> => {
    await condition(() => dispatched() !== null || state.cancelRequested);
    const dispatch = dispatched();
    if (dispatch === null) return end.cancelledBeforeStart('text');

    state.phase = 'preparing';
    const prepared = await steps.prepareExecution({ v: 1, executionId: input.executionId, workerId: input.workerId, dispatch, originalRunId });
    if (prepared.kind === 'skip') {
      log.info('execution fenced: not ours to run', { status: prepared.status, reason: prepared.reason });
      return end.skipped(prepared.status, prepared.resetRun);
    }
    if (prepared.kind === 'invalid') {
      // As Attune's worker: running first (started_at, the status message), then failed with the reason.
      if (prepared.markRunningFirst === true) {
        const begin = await steps.beginExecution({ v: 1, executionId: input.executionId, workerId: input.workerId, originalRunId });
        if (begin.kind === 'skip') return end.skipped(begin.status, begin.resetRun);
      }
      return end.failed(prepared.error, 'text');
    }
    const spec = prepared.spec;
    outputFormat = prepared.outputFormat;

    let begun = false;
    while (state.claims < MAX_CLAIMS) {
      if (state.cancelRequested) return end.cancelledBeforeStart(outputFormat);
      state.phase = 'claiming';
      state.claims += 1;
      const offered = Date.now(); // workflow time: deterministic
      const claim = await claimAgentUnlessCancelled(input.pool, input.executionId, timings, state, () =>
        claimOnQueue(input.poolTaskQueue, { v: 1, executionId: input.executionId, spec }, timings, input.pool),
      );
      if (claim === 'cancelled') return end.cancelledBeforeStart(outputFormat);
      if (claim === null) return end.failed(`No live agent in pool "${input.pool}" claimed the execution within ${timings.claimWait}`, outputFormat);
      if (state.cancelRequested) return end.cancelledBeforeStart(outputFormat);
      if (!begun) {
        const begin = await steps.beginExecution({ v: 1, executionId: input.executionId, workerId: input.workerId, claimWaitMs: Date.now() - offered, pool: input.pool, originalRunId });
        if (begin.kind === 'skip') return end.skipped(begin.status, begin.resetRun);
        if (begin.kind === 'canceling') return end.cancelledBeforeStart(outputFormat);
        begun = true;
      }
      state.agentId = claim.agentId;
      showRunning(claim.agentId, spec.runtimeName);
      const ran = await runClaimed(claim, spec, state, timings);
      if (ran.kind === 'outcome') return end.report({ outcome: ran.outcome, failure: null, outputFormat });
      if (ran.kind === 'lost' || ran.kind === 'failed') return end.failed(ran.error, outputFormat, ran.kind === 'lost' && ran.heartbeatLost === true);
      if (ran.kind === 'cancelled') return end.cancelledBeforeStart(outputFormat);
      log.warn('claimed agent never started the run; claiming another', { agentId: claim.agentId });
    }
    return end.failed(`Agents of pool "${input.pool}" claimed the execution ${MAX_CLAIMS} times but none started it`, outputFormat);
  };

  // Reporting must happen even when the workflow itself is being cancelled.
  return CancellationScope.nonCancellable(async () => {
    let result: ExecutionWorkflowResult;
    try {
      result = await execute();
    } catch (err) {
      // The guard: a failure anywhere before the report still ends in a final row. A failing report is not
      // retried from here (its activity already retries transient faults): the reconciler has that case.
      if (state.phase === 'reporting' || state.phase === 'done') throw err;
      const error = err instanceof ActivityFailure ? `${err.activityType ?? 'activity'}: ${err.cause?.message ?? err.message}` : err instanceof Error ? err.message : String(err);
      log.error('execution workflow failed before reporting; reporting it failed', { phase: state.phase, error });
      result = await end.failed(`Execution failed in phase ${state.phase}: ${error}`, outputFormat);
    }
    // A run made by Reset whose row the original run had already ended: Attune's retry (see reset-retry.ts).
    if (state.fencedInResetRun === true) return retryAfterReset(steps, input.executionId, state, result);
    return result;
  });
}
