import { CancellationScope, defineQuery, defineSignal, setCurrentDetails, setHandler } from '@temporalio/workflow';
import type { CancelSignal, DispatchSignal } from '../src/temporal/contracts';
import { QUERIES, SIGNALS } from '../src/temporal/names';
import type { ExecutionPhase, ExecutionState, ExecutionStatusView } from './state';
import { currentDetails, statusView } from './status-view';

export const dispatchSignal = defineSignal<[DispatchSignal]>(SIGNALS.dispatch);
export const cancelSignal = defineSignal<[CancelSignal]>(SIGNALS.cancel);
export const stateQuery = defineQuery<ExecutionState>(QUERIES.state);
export const statusQuery = defineQuery<ExecutionStatusView>(QUERIES.status);

/**
 * The state one execution workflow shows, and its handlers: the dispatch signal (the first one counts; more are
 * duplicates), Attune's cancel signal, the state and status queries, and a cancellation of the workflow itself
 * (Temporal UI, CLI), which means the same as Attune's cancel. Each phase change refreshes the workflow's current
 * details in the UI. Handlers and current details add no commands: sharing them changes no history.
 */
export function followExecution(executionId: number, initial: DispatchSignal | null): { state: ExecutionState; dispatch: () => DispatchSignal | null } {
  let dispatch: DispatchSignal | null = initial;
  let phase: ExecutionPhase = initial ? 'preparing' : 'waiting_dispatch';
  const view = () => statusView(executionId, dispatch?.actionRef ?? null, state);
  const state: ExecutionState = {
    get phase() {
      return phase;
    },
    set phase(next) {
      phase = next;
      setCurrentDetails(currentDetails(view()));
    },
    dispatches: initial ? 1 : 0,
    cancelRequested: false,
    agentId: null,
    claims: 0,
    finalStatus: null,
    progress: null,
  };
  setCurrentDetails(currentDetails(view()));
  setHandler(dispatchSignal, (d) => {
    state.dispatches += 1;
    dispatch ??= d;
  });
  setHandler(cancelSignal, () => {
    state.cancelRequested = true;
  });
  setHandler(stateQuery, () => state);
  setHandler(statusQuery, view);
  CancellationScope.current().cancelRequested.catch(() => {
    state.cancelRequested = true;
  });
  return { state, dispatch: () => dispatch };
}
