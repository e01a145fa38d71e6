import type { CompleteInput, ControlActivities, OutputFormat } from '../src/temporal/contracts';
import { showFinal } from './search-attributes';
import type { ExecutionState, ExecutionWorkflowResult } from './state';

/** The ways an execution workflow ends. Each one leaves `state` at phase `done` with the final status. */
export interface Ending {
  /** Writes the final row and publishes Attune's messages (completeExecution); its answer is the result. */
  report(complete: Omit<CompleteInput, 'v' | 'executionId'>): Promise<ExecutionWorkflowResult>;
  /** No process ran to completion: the row ends `failed` with this error (`agentLost`: the agent was lost mid-run). */
  failed(error: string, outputFormat: OutputFormat, agentLost?: boolean): Promise<ExecutionWorkflowResult>;
  /** Cancelled before the action ran (or before it could be run): the row ends `cancelled`. */
  cancelledBeforeStart(outputFormat: OutputFormat): Promise<ExecutionWorkflowResult>;
  /** Fenced: the row is not ours to write, so nothing is reported and it keeps `status` (`resetRun`: the step said the run was made by Reset). */
  skipped(status: string, resetRun?: boolean): ExecutionWorkflowResult;
}

/** `originalRunId` (current workflow only): sent with the report, whose answer then tells a run made by Reset. */
export function endings(control: Pick<ControlActivities, 'completeExecution'>, executionId: number, state: ExecutionState, originalRunId?: string): Ending {
  const report = async (complete: Omit<CompleteInput, 'v' | 'executionId'>): Promise<ExecutionWorkflowResult> => {
    state.phase = 'reporting';
    const done = await control.completeExecution({ v: 1, executionId, ...complete, ...(originalRunId !== undefined ? { originalRunId } : {}) });
    state.finalStatus = done.status;
    if (done.resetRun === true) state.fencedInResetRun = true;
    state.phase = 'done';
    showFinal(done.status);
    return { v: 1, status: done.status, applied: done.applied };
  };
  return {
    report,
    failed: (error, outputFormat, agentLost) => report({ outcome: null, failure: { status: 'failed', error }, outputFormat, ...(agentLost === true ? { agentLost } : {}) }),
    cancelledBeforeStart: (outputFormat) => report({ outcome: null, failure: { status: 'cancelled', error: 'Cancelled before execution started' }, outputFormat }),
    skipped: (status, resetRun) => {
      state.finalStatus = status;
      if (resetRun === true) state.fencedInResetRun = true;
      state.phase = 'done';
      showFinal(status);
      return { v: 1, status, applied: false };
    },
  };
}
