/** Every Temporal name we use, in one place. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** The bridge queue of a deployment that never set ATTUNE_TEMPORAL_BRIDGE_QUEUE (the chart's `temporal.bridgeQueue`). */
export const DEFAULT_BRIDGE_QUEUE = 'attune-bridge';

/**
 * The prefix of a deployment's workflow ids and pool queues, derived from its bridge queue — the setting that
 * already separates two installations sharing a namespace (they cannot share a bridge queue). The default
 * deployment keeps the names of the first release (`attune-…`), so upgrading it renames nothing.
 */
export const deploymentPrefix = (bridgeQueue: string) => (bridgeQueue === DEFAULT_BRIDGE_QUEUE ? 'attune' : bridgeQueue);

/** The names one deployment uses. Workflows never compute them: they take them from their input. */
export function deploymentNames(bridgeQueue: string) {
  const prefix = deploymentPrefix(bridgeQueue);
  return {
    executionWorkflowId: (executionId: number) => `${prefix}-execution-${executionId}`,
    /** Generation 1 is the agent's first announcement; a re-announcement after a lost session is generation 2, 3… */
    agentSessionWorkflowId: (agentId: string, generation = 1) => `${prefix}-agent-${agentId}${generation > 1 ? `~${generation}` : ''}`,
    /** Agents started with the same pool name share this queue; any of them may claim an execution. */
    poolTaskQueue: (pool: string) => `${prefix}-pool-${pool}`,
  };
}

/** The names of the first release, whatever the bridge queue: workflows started by older bridges use these. */
const legacy = deploymentNames(DEFAULT_BRIDGE_QUEUE);
export const workflowIdForExecution = legacy.executionWorkflowId;
export const workflowIdForAgentSession = (agentId: string) => legacy.agentSessionWorkflowId(agentId);
export const poolTaskQueue = legacy.poolTaskQueue;

/** Unique per agent *process*: a restarted container never inherits its predecessor's tasks. */
export const agentTaskQueue = (agentId: string) => `attune-agent-${agentId}`;
/** Kill and presence tasks, served by a separate worker so a full agent can still be told to stop. */
export const agentControlTaskQueue = (agentId: string) => `attune-agent-${agentId}-control`;

export const SIGNALS = { dispatch: 'attuneDispatch', cancel: 'attuneCancel' } as const;
/** `state`: the workflow's raw state (the first release's); `status`: what an operator reads (phase, agent, progress known). */
export const QUERIES = { state: 'attuneState', status: 'status' } as const;

/**
 * Custom search attributes of every execution workflow (plaintext in visibility: never parameters, output or
 * secrets). The bridge registers them where the server lets it (bridge/search-attributes.ts) and sets the
 * static ones at start; the workflow upserts agent, runtime and status as they become known.
 */
export const SEARCH_ATTRIBUTES = {
  executionId: defineSearchAttributeKey('AttuneExecutionId', SearchAttributeType.INT),
  actionRef: defineSearchAttributeKey('AttuneActionRef', SearchAttributeType.KEYWORD),
  pack: defineSearchAttributeKey('AttunePack', SearchAttributeType.KEYWORD),
  runtime: defineSearchAttributeKey('AttuneRuntime', SearchAttributeType.KEYWORD),
  pool: defineSearchAttributeKey('AttunePool', SearchAttributeType.KEYWORD),
  agent: defineSearchAttributeKey('AttuneAgent', SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey('AttuneStatus', SearchAttributeType.KEYWORD),
} as const;

/**
 * `execution` is the first release's flow (signal-with-start, every step a regular activity), registered for
 * as long as histories of it may be in flight; `attuneExecution` is the current one (eager start with the
 * dispatch in its input, the bridge's steps as local activities, the agent's prechecks in the claim).
 */
export const WORKFLOW_TYPES = { execution: 'executionWorkflow', attuneExecution: 'attuneExecutionWorkflow', agentSession: 'agentSessionWorkflow' } as const;
