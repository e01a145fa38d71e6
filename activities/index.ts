import type { AgentActivities, AgentControlActivities, PoolActivities } from '../src/temporal/contracts';
import { claimAgent } from './claim';
import { holdPresence } from './presence';
import { runAction, type RunActionDeps } from './run-action';
import { ensureEnvironment } from './environment';
import { finalizeArtifacts } from './finalize-artifacts';
import { verifyRuntimeVersion } from './verify-runtime-version';

const RESERVATION_TTL_MS = 30_000;

export interface AgentActivityDeps extends RunActionDeps {
  maxConcurrent: number;
}

/**
 * The three activity groups one agent process serves: claims on the pool's queue, runs on its own
 * queue, kills and presence on its control queue. Claims reserve a slot until the run arrives.
 */
export function createAgentActivities(deps: AgentActivityDeps) {
  // Claimed executions whose first step has not arrived yet, by execution id. A claim whose work never
  // arrives (workflow cancelled meanwhile) frees its slot after the schedule-to-start window.
  const reservations = new Map<number, number>();
  const liveReservations = () => {
    const cutoff = Date.now() - RESERVATION_TTL_MS;
    for (const [id, at] of reservations) if (at < cutoff) reservations.delete(id);
    return reservations.size;
  };
  const pool = {
    claimAgent: (input) =>
      claimAgent(
        {
          ...deps,
          inFlight: () => deps.kills.activeCount + liveReservations(),
          reserve: () => reservations.set(input.executionId, Date.now()),
        },
        input,
      ),
  } satisfies PoolActivities;
  const agent = {
    ensureEnvironment: async (spec) => {
      reservations.delete(spec.executionId);
      return ensureEnvironment(deps, spec);
    },
    verifyRuntimeVersion: (spec) => verifyRuntimeVersion(deps, spec),
    runAction: async (spec) => {
      reservations.delete(spec.executionId);
      return runAction(deps, spec);
    },
    finalizeArtifacts: (input) => finalizeArtifacts(deps.artifactsDir, input.executionId),
  } satisfies AgentActivities;
  const control = {
    killAction: async (input) => ({ v: 1 as const, signalled: deps.kills.kill(input.executionId) }),
    holdPresence: async () => holdPresence(),
  } satisfies AgentControlActivities;
  return { pool, agent, control };
}
