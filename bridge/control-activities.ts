import type { Pool } from 'pg';
import { Context } from '@temporalio/activity';
import type { CallerRun, ControlActivities } from '../src/temporal/contracts';
import { beginExecution } from './begin-execution';
import { completeExecution } from './complete-execution';
import { prepareExecution, type PrepareDeps } from './prepare-execution';
import { retryExecution, retryOnAgentLoss } from './retry-execution';
import type { PoolRegistry } from './pool-registry';
import type { AttunePublisher } from './publisher';
import type { Logger } from '../src/log';
import type { EncryptionCodec } from '../src/temporal/payload-codec';
import { removeClaimChecks } from '../src/temporal/claim-check';
import { claimCheckLargeSpec } from './claim-check-spec';
import { sealRunSpec } from './seal-spec';
import { findWorkerName } from '../src/attune/db/workers';
import type { PoolKeys } from '../src/temporal/pool-keys';
import type { BridgeMetrics } from './metrics';

export interface ControlDeps extends PrepareDeps {
  db: Pool;
  publisher: AttunePublisher;
  registry: PoolRegistry;
  log: Logger;
  /** The bridge's own view of the shared artifacts volume: every log path it reads is derived from it. */
  artifactsDir: string;
  /** Encrypts claim-checked parameters (the payload codec: agents open them with the same keys). */
  codec: EncryptionCodec;
  /** Per-pool keys: a pool's run specs are sealed to its key (bridge/seal-spec.ts); empty: none is. */
  poolKeys: PoolKeys;
  metrics?: BridgeMetrics;
}

/** The calling workflow run was made by Reset: it runs under another id than its start event recorded. */
const calledByResetRun = (input: CallerRun): boolean => input.originalRunId !== undefined && Context.current().info.workflowExecution?.runId !== input.originalRunId;

/**
 * The bridge's activities: the only code that touches Attune's database and bus. The current workflow runs the
 * execution steps as local activities (falling back to regular ones), the first release's as regular activities.
 */
export function createControlActivities(deps: ControlDeps) {
  return {
    prepareExecution: async (input) => {
      const prepared = await claimCheckLargeSpec(deps, await sealRunSpec(deps.poolKeys, await prepareExecution(deps, input), () => findWorkerName(deps.db, input.workerId)));
      return prepared.kind === 'skip' && calledByResetRun(input) ? { ...prepared, resetRun: true } : prepared;
    },
    beginExecution: async (input) => {
      const begun = await beginExecution(deps, input);
      if (begun.kind === 'running' && input.claimWaitMs !== undefined) deps.metrics?.claimed(input.pool ?? 'unknown', input.claimWaitMs);
      return begun.kind === 'skip' && calledByResetRun(input) ? { ...begun, resetRun: true } : begun;
    },
    completeExecution: async (input) => {
      const done = await completeExecution(deps, input);
      if (input.agentLost === true && done.applied) {
        if (done.reapplied !== true) deps.metrics?.runHeartbeatLost();
        await retryOnAgentLoss(deps, input.executionId);
      }
      await removeClaimChecks(deps.artifactsDir, input.executionId);
      return (!done.applied || done.reapplied === true) && calledByResetRun(input) ? { ...done, resetRun: true } : done;
    },
    retryExecution: (input) => retryExecution(deps, input),
    syncPools: (input) => deps.registry.sync(input),
  } satisfies ControlActivities;
}
