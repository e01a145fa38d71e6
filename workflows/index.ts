export { executionWorkflow, dispatchSignal, cancelSignal, stateQuery, statusQuery } from './execution';
export { agentSessionWorkflow } from './agent-session';
export { attuneExecutionWorkflow } from './attune-execution';
