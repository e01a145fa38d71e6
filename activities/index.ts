import type { AgentActivities, AgentControlActivities, PoolActivities } from '../src/temporal/contracts';
import { claimAgent } from './claim';
import { holdPresence } from './presence';
import { runAction, type RunActionDeps } from './run-action';

const RESERVATION_TTL_MS = 30_000;

export interface AgentActivityDeps extends RunActionDeps {
  maxConcurrent: number;
}

/**
 * The three activity groups one agent process serves: claims on the pool's queue, runs on its own
 * queue, kills and presence on its control queue. Claims reserve a slot until the run arrives.
 */
export function createAgentActivities(deps: AgentActivityDeps) {
  // Reservation times; a claim whose run never arrives (workflow cancelled meanwhile) frees its slot
  // after the run's schedule-to-start window.
  const reservations: number[] = [];
  const liveReservations = () => {
    const cutoff = Date.now() - RESERVATION_TTL_MS;
    while (reservations.length > 0 && reservations[0]! < cutoff) reservations.shift();
    return reservations.length;
  };
  const pool = {
    claimAgent: (input) =>
      claimAgent(
        {
          agentId: deps.agentId,
          maxConcurrent: deps.maxConcurrent,
          inFlight: () => deps.kills.activeCount + liveReservations(),
          reserve: () => reservations.push(Date.now()),
        },
        input,
      ),
  } satisfies PoolActivities;
  const agent = {
    runAction: async (spec) => {
      reservations.shift();
      return runAction(deps, spec);
    },
  } satisfies AgentActivities;
  const control = {
    killAction: async (input) => ({ v: 1 as const, signalled: deps.kills.kill(input.executionId) }),
    holdPresence: async () => holdPresence(),
  } satisfies AgentControlActivities;
  return { pool, agent, control };
}
