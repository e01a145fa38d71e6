export { executionWorkflow, dispatchSignal, cancelSignal, stateQuery } from './execution';
export { agentSessionWorkflow } from './agent-session';
export { attuneExecutionWorkflow } from './attune-execution';
