import type { ActivityOptions } from '@temporalio/workflow';

/**
 * Activity options, each chosen on purpose. Control-plane steps (DB + bus) retry until they succeed:
 * a broker or database outage delays a report but never loses it.
 */
export const controlOptions = (taskQueue: string): ActivityOptions => ({
  taskQueue,
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: ['InvalidExecution'] },
});

/** Any live agent of the pool may claim; if none is alive for this long the execution fails. */
export const CLAIM_WAIT = '10m';
export const claimOptions = (taskQueue: string): ActivityOptions => ({
  taskQueue,
  scheduleToCloseTimeout: CLAIM_WAIT,
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', maximumInterval: '10s' },
});

/** Seconds Attune waits between SIGTERM and SIGKILL. */
export const KILL_GRACE_SECONDS = 10;
export const RUN_HEARTBEAT_TIMEOUT = '20s';

/**
 * The run itself is never retried blindly. scheduleToStart is bounded because the queue belongs to one
 * agent process: if it vanished after claiming, the task would wait forever; instead we claim again.
 */
export const runOptions = (taskQueue: string, timeoutSeconds: number): ActivityOptions => ({
  taskQueue,
  scheduleToStartTimeout: '30s',
  startToCloseTimeout: `${timeoutSeconds + KILL_GRACE_SECONDS + 60}s`,
  heartbeatTimeout: RUN_HEARTBEAT_TIMEOUT,
  retry: { maximumAttempts: 1 },
});

/**
 * Environment setup can take minutes (pip, npm); it heartbeats. Like the run, its queue belongs to one
 * agent process, so scheduleToStart is bounded and a vanished agent is replaced by a new claim.
 */
export const environmentOptions = (taskQueue: string): ActivityOptions => ({
  taskQueue,
  scheduleToStartTimeout: '30s',
  startToCloseTimeout: '35m',
  heartbeatTimeout: '1m',
  retry: { maximumAttempts: 2 },
});

/** Version checks and artifact checksums are short and safe to repeat. */
export const agentStepOptions = (taskQueue: string): ActivityOptions => ({
  taskQueue,
  scheduleToStartTimeout: '30s',
  startToCloseTimeout: '5m',
  retry: { maximumAttempts: 3, initialInterval: '1s' },
});

/** Kill requests go to the agent's control queue; useless after a minute. */
export const killOptions = (taskQueue: string): ActivityOptions => ({
  taskQueue,
  scheduleToCloseTimeout: '1m',
  startToCloseTimeout: '10s',
  retry: { initialInterval: '500ms', maximumInterval: '5s' },
});

/** Presence: the agent heartbeats this activity for as long as it lives. */
export const PRESENCE_HEARTBEAT_TIMEOUT = '20s';
export const presenceOptions = (taskQueue: string): ActivityOptions => ({
  taskQueue,
  scheduleToStartTimeout: '1m',
  startToCloseTimeout: '3650d',
  heartbeatTimeout: PRESENCE_HEARTBEAT_TIMEOUT,
  retry: { maximumAttempts: 1 },
});
