import type { Client } from '@temporalio/client';
import { deploymentPrefix, WORKFLOW_TYPES, workflowIdForExecution } from '../src/temporal/names';
import type { Logger } from '../src/log';

const LEGACY_ID = /^attune-execution-(\d+)$/;

/**
 * Executions of this deployment still run by a first-release workflow under the first release's id
 * (`attune-execution-<id>`), for a deployment whose bridge queue now gives its workflows other ids. Messages
 * for them must keep going to those workflows: a redelivered dispatch started under the new id would run
 * the execution twice, and a cancel would reach a new, empty workflow. The set is read from visibility at
 * start and refreshed with each reconciler pass; it only shrinks, since nothing starts such workflows any
 * more. The default deployment's ids did not change, so it has nothing to track.
 */
export class LegacyExecutions {
  private ids = new Set<number>();
  private readonly tracked: boolean;

  constructor(
    private readonly deps: { client: Client; bridgeTaskQueue: string; log: Logger },
  ) {
    this.tracked = deploymentPrefix(deps.bridgeTaskQueue) !== 'attune';
  }

  /** The legacy workflow id for an execution that has one running, else null. */
  workflowIdOf(executionId: number): string | null {
    return this.ids.has(executionId) ? workflowIdForExecution(executionId) : null;
  }

  async refresh(): Promise<void> {
    if (!this.tracked) return;
    const query = `WorkflowType = '${WORKFLOW_TYPES.execution}' AND ExecutionStatus = 'Running' AND TaskQueue = '${this.deps.bridgeTaskQueue}'`;
    const ids = new Set<number>();
    for await (const wf of this.deps.client.workflow.list({ query })) {
      const match = LEGACY_ID.exec(wf.workflowId);
      if (match) ids.add(Number(match[1]));
    }
    if (ids.size > 0 || this.ids.size > 0) this.deps.log.info({ running: ids.size }, 'first-release execution workflows still running: their messages go to them');
    this.ids = ids;
  }
}
