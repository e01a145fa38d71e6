/** Every Temporal name we use, in one place. */
export const workflowIdForExecution = (executionId: number) => `attune-execution-${executionId}`;
export const workflowIdForAgentSession = (agentId: string) => `attune-agent-${agentId}`;

/** Agents started with the same pool name share this queue; any of them may claim an execution. */
export const poolTaskQueue = (pool: string) => `attune-pool-${pool}`;
/** Unique per agent *process*: a restarted container never inherits its predecessor's tasks. */
export const agentTaskQueue = (agentId: string) => `attune-agent-${agentId}`;
/** Kill and presence tasks, served by a separate worker so a full agent can still be told to stop. */
export const agentControlTaskQueue = (agentId: string) => `attune-agent-${agentId}-control`;

export const SIGNALS = { dispatch: 'attuneDispatch', cancel: 'attuneCancel' } as const;
export const QUERIES = { state: 'attuneState' } as const;

export const WORKFLOW_TYPES = { execution: 'executionWorkflow', agentSession: 'agentSessionWorkflow' } as const;
