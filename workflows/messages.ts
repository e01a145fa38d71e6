import { CancellationScope, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';
import type { CancelSignal, DispatchSignal } from '../src/temporal/contracts';
import { QUERIES, SIGNALS } from '../src/temporal/names';
import type { ExecutionState } from './state';

export const dispatchSignal = defineSignal<[DispatchSignal]>(SIGNALS.dispatch);
export const cancelSignal = defineSignal<[CancelSignal]>(SIGNALS.cancel);
export const stateQuery = defineQuery<ExecutionState>(QUERIES.state);

/**
 * The state one execution workflow shows, and its handlers: the dispatch signal (the first one counts; more are
 * duplicates), Attune's cancel signal, the state query, and a cancellation of the workflow itself (Temporal UI,
 * CLI), which means the same as Attune's cancel. Handlers add no commands: sharing them changes no history.
 */
export function followExecution(initial: DispatchSignal | null): { state: ExecutionState; dispatch: () => DispatchSignal | null } {
  const state: ExecutionState = {
    phase: initial ? 'preparing' : 'waiting_dispatch',
    dispatches: initial ? 1 : 0,
    cancelRequested: false,
    agentId: null,
    claims: 0,
    finalStatus: null,
  };
  let dispatch: DispatchSignal | null = initial;
  setHandler(dispatchSignal, (d) => {
    state.dispatches += 1;
    dispatch ??= d;
  });
  setHandler(cancelSignal, () => {
    state.cancelRequested = true;
  });
  setHandler(stateQuery, () => state);
  CancellationScope.current().cancelRequested.catch(() => {
    state.cancelRequested = true;
  });
  return { state, dispatch: () => dispatch };
}
