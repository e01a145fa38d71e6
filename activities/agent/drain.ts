import type { Worker } from '@temporalio/worker';
import type { Logger } from '../../src/log';

/** After the last action ended, how long the agent keeps serving its own queue for the step that follows (finalizeArtifacts). */
export const AFTER_LAST_RUN_MS = 2000;
/** Temporal's own grace once the agent queues are shut down: only short bookkeeping steps remain. */
export const FINAL_STEP_GRACE_MS = 3000;

/**
 * SIGTERM: stop taking work at once (the pool's claim queue), let running actions finish within the
 * grace period while the agent's own queues keep serving the steps that follow a run, then shut those
 * down too; actions still running then are cancelled by Temporal and end `agent_shutdown`.
 */
export async function drainAgent(
  workers: { pool: Worker; own: Worker[] },
  activeRuns: () => number,
  graceMs: number,
  log: Logger,
): Promise<void> {
  workers.pool.shutdown();
  const deadline = Date.now() + graceMs;
  const hadRuns = activeRuns() > 0;
  while (activeRuns() > 0 && Date.now() < deadline) await sleep(100);
  const left = activeRuns();
  if (left > 0) log.warn({ running: left, graceMs }, 'grace period over: stopping the actions still running');
  else if (hadRuns) await sleep(Math.min(AFTER_LAST_RUN_MS, Math.max(0, deadline - Date.now())));
  for (const w of workers.own) w.shutdown();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
