import { ConfigError } from '../errors';

/**
 * How long running actions may go on after SIGTERM before they are stopped and end `failed`
 * ("agent shut down"). Default 25 s: inside Kubernetes' default 30 s terminationGracePeriodSeconds.
 */
export const DEFAULT_SHUTDOWN_GRACE_SECONDS = 25;

export function shutdownGraceMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.ATTUNE_AGENT_SHUTDOWN_GRACE_SECONDS;
  if (raw === undefined || raw.trim() === '') return DEFAULT_SHUTDOWN_GRACE_SECONDS * 1000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0) throw new ConfigError(`ATTUNE_AGENT_SHUTDOWN_GRACE_SECONDS must be a number of seconds ≥ 0, got '${raw}'`);
  return Math.round(seconds * 1000);
}
