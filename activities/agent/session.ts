import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { AgentSessionInput } from '../../src/temporal/contracts';
import { WORKFLOW_TYPES } from '../../src/temporal/names';
import type { Lifecycle } from '../../src/lifecycle';
import type { Logger } from '../../src/log';

export interface SessionDeps {
  client: Client;
  session: AgentSessionInput;
  /** The bridge's queue: the session workflow runs there. */
  taskQueue: string;
  /** The session's workflow id for a generation (1, 2, …): ids are never reused. */
  sessionId: (generation: number) => string;
  lifecycle: Lifecycle;
  log: Logger;
  /** Waits between attempts while Temporal is unreachable (tests shorten it). */
  retryMs?: number;
}

/**
 * Announces the agent (its session workflow on the bridge) and keeps it announced: a session that closes
 * while the agent lives — its presence heartbeat timed out in a Temporal outage or a network cut, or
 * someone terminated it — is replaced by a new generation, so the agent is never left polling unseen. The
 * first announcement failing fails the start (the caller stops polling). `close` ends the current session.
 */
export async function keepAnnounced(deps: SessionDeps): Promise<{ close(): Promise<void> }> {
  let generation = 1;
  let stopped = false;
  await announce(deps, generation);
  const retryMs = deps.retryMs ?? 2000;
  const watch = async () => {
    while (!stopped && !deps.lifecycle.stopping) {
      const handle = deps.client.workflow.getHandle(deps.sessionId(generation));
      await handle.result().catch(() => undefined); // long-polls until the session closes (or the call fails)
      if (stopped || deps.lifecycle.stopping) return;
      if (!(await isClosed(deps.client, deps.sessionId(generation)))) {
        await pause(retryMs); // Temporal unreachable: look again
        continue;
      }
      for (generation += 1; !stopped && !deps.lifecycle.stopping; ) {
        try {
          await announce(deps, generation);
          deps.log.warn({ agentId: deps.session.agentId, generation }, 'agent session had closed while the agent lives: announced again');
          break;
        } catch (err) {
          if (err instanceof WorkflowExecutionAlreadyStartedError) generation += 1;
          else await pause(retryMs);
        }
      }
    }
  };
  const watching = watch().catch((err: unknown) => deps.log.error({ err }, 'agent session watch ended'));
  return {
    close: async () => {
      stopped = true;
      await deps.client.workflow.getHandle(deps.sessionId(generation)).cancel().catch(() => undefined);
      await Promise.race([watching, pause(1000)]);
    },
  };
}

async function announce(deps: SessionDeps, generation: number): Promise<void> {
  await deps.client.workflow.start(WORKFLOW_TYPES.agentSession, {
    workflowId: deps.sessionId(generation),
    taskQueue: deps.taskQueue,
    args: [deps.session],
    memo: { session: deps.session },
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
  });
}

/** True when the workflow is closed or gone; false while it runs or while Temporal cannot say. */
async function isClosed(client: Client, workflowId: string): Promise<boolean> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).status.name !== 'RUNNING';
  } catch (err) {
    return err instanceof WorkflowNotFoundError;
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
