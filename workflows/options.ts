import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';
import type { ExecutionWorkflowInput } from '../src/temporal/contracts';
import { KILL_GRACE_SECONDS } from '../src/temporal/durations';

/** A Temporal duration: '30s', '10m' or milliseconds. */
type Duration = NonNullable<ActivityOptions['scheduleToCloseTimeout']>;

/**
 * Activity options, each chosen on purpose. Control-plane steps (DB + bus) retry until they succeed:
 * a broker or database outage delays a report but never loses it.
 */
export const controlOptions = (taskQueue: string): ActivityOptions => ({
  taskQueue,
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: ['InvalidExecution'] },
});

/**
 * The current workflow runs the bridge's steps as local activities: no schedule/start/complete round trip.
 * A local activity retrying inside the worker holds a workflow slot and keeps the workflow task alive, so its
 * budget is short (3 attempts, at most ~50 s); then the step continues as a regular activity (controlOptions),
 * which waits out a PostgreSQL or broker outage of any length without holding anything.
 */
export const localControlOptions: LocalActivityOptions = {
  startToCloseTimeout: '15s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '4s', maximumAttempts: 3, nonRetryableErrorTypes: ['InvalidExecution'] },
};

/** Any live agent of the pool may claim; if none is alive for this long the execution fails. */
export const CLAIM_WAIT = '10m';
export const RUN_HEARTBEAT_TIMEOUT = '20s';
/** How long a task waits on one agent's queue before we conclude the agent is gone and claim again. */
export const AGENT_SCHEDULE_TO_START = '30s';
export const ENVIRONMENT_HEARTBEAT_TIMEOUT = '1m';
/** Kill requests are useless after this long. */
export const KILL_WAIT = '1m';
/**
 * How long a re-attach waits to be picked up by the agent whose run heartbeats were lost. It decides both how
 * long a cut-off is survived (≈ the 20 s heartbeat timeout + this, less the agent's reconnect) and how long a dead
 * agent takes to be declared lost (the same sum, ≈ 50 s): README "Presence and blips". 15 s lost runs after a 25 s
 * cut whenever the agent's client took more than a few seconds to reconnect (its poll backoff after a long cut).
 */
export const REATTACH_WAIT = '30s';

/**
 * The waits of one execution. Always the constants above, except in workflow tests, which shorten them
 * through `ExecutionWorkflowInput.testTimings` (see there).
 */
export interface ExecutionTimings {
  claimWait: Duration;
  runHeartbeatTimeout: Duration;
  agentScheduleToStart: Duration;
  environmentHeartbeatTimeout: Duration;
  killWait: Duration;
  reattachWait: Duration;
  /** Seconds runAction may take beyond the action's own timeout. */
  runGraceSeconds: number;
}

export const DEFAULT_TIMINGS: Readonly<ExecutionTimings> = Object.freeze({
  claimWait: CLAIM_WAIT,
  runHeartbeatTimeout: RUN_HEARTBEAT_TIMEOUT,
  agentScheduleToStart: AGENT_SCHEDULE_TO_START,
  environmentHeartbeatTimeout: ENVIRONMENT_HEARTBEAT_TIMEOUT,
  killWait: KILL_WAIT,
  reattachWait: REATTACH_WAIT,
  runGraceSeconds: KILL_GRACE_SECONDS + 60,
});

/** The effective waits: each test override where given, today's value otherwise. */
export function executionTimings(overrides: ExecutionWorkflowInput['testTimings']): ExecutionTimings {
  const o = overrides ?? {};
  return {
    claimWait: (o.claimWait as Duration | undefined) ?? DEFAULT_TIMINGS.claimWait,
    runHeartbeatTimeout: (o.runHeartbeatTimeout as Duration | undefined) ?? DEFAULT_TIMINGS.runHeartbeatTimeout,
    agentScheduleToStart: (o.agentScheduleToStart as Duration | undefined) ?? DEFAULT_TIMINGS.agentScheduleToStart,
    environmentHeartbeatTimeout: (o.environmentHeartbeatTimeout as Duration | undefined) ?? DEFAULT_TIMINGS.environmentHeartbeatTimeout,
    killWait: (o.killWait as Duration | undefined) ?? DEFAULT_TIMINGS.killWait,
    reattachWait: (o.reattachWait as Duration | undefined) ?? DEFAULT_TIMINGS.reattachWait,
    runGraceSeconds: o.runGraceSeconds ?? DEFAULT_TIMINGS.runGraceSeconds,
  };
}

export const claimOptions = (taskQueue: string, timings: ExecutionTimings = DEFAULT_TIMINGS): ActivityOptions => ({
  taskQueue,
  scheduleToCloseTimeout: timings.claimWait,
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', maximumInterval: '10s' },
});

/**
 * The run itself is never retried blindly. scheduleToStart is bounded because the queue belongs to one
 * agent process: if it vanished after claiming, the task would wait forever; instead we claim again.
 */
export const runOptions = (taskQueue: string, timeoutSeconds: number, timings: ExecutionTimings = DEFAULT_TIMINGS): ActivityOptions => ({
  taskQueue,
  scheduleToStartTimeout: timings.agentScheduleToStart,
  startToCloseTimeout: `${timeoutSeconds + timings.runGraceSeconds}s`,
  heartbeatTimeout: timings.runHeartbeatTimeout,
  retry: { maximumAttempts: 1 },
});

/**
 * Environment setup can take minutes (pip, npm); it heartbeats. Like the run, its queue belongs to one
 * agent process, so scheduleToStart is bounded and a vanished agent is replaced by a new claim.
 */
export const environmentOptions = (taskQueue: string, timings: ExecutionTimings = DEFAULT_TIMINGS): ActivityOptions => ({
  taskQueue,
  scheduleToStartTimeout: timings.agentScheduleToStart,
  startToCloseTimeout: '35m',
  heartbeatTimeout: timings.environmentHeartbeatTimeout,
  retry: { maximumAttempts: 2 },
});

/** Version checks and artifact checksums are short and safe to repeat. */
export const agentStepOptions = (taskQueue: string, timings: ExecutionTimings = DEFAULT_TIMINGS): ActivityOptions => ({
  taskQueue,
  scheduleToStartTimeout: timings.agentScheduleToStart,
  startToCloseTimeout: '5m',
  retry: { maximumAttempts: 3, initialInterval: '1s' },
});

/** Kill requests go to the agent's control queue; useless after a minute. */
export const killOptions = (taskQueue: string, timings: ExecutionTimings = DEFAULT_TIMINGS): ActivityOptions => ({
  taskQueue,
  scheduleToCloseTimeout: timings.killWait,
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
