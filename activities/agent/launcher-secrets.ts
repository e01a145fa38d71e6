import { closeSync, readFileSync } from 'node:fs';
import { agentSecretNames } from './secret-names';

export const SECRETS_FD_VAR = 'ATTUNE_AGENT_SECRETS_FD';

/** What came over the launcher's pipe: in process.env, never in the environment block. */
const piped = new Set<string>();

/**
 * The bundle's launcher keeps the agent's credentials (codec keys, Temporal API key, TLS key …) out of node's
 * environment block, where any process of the same uid could read them in /proc/<pid>/environ, and hands them
 * over on a pipe instead. They are read once, into process.env of this process only (a later setenv never shows
 * in /proc/<pid>/environ, and actions' environments exclude ATTUNE_* and TEMPORAL_* anyway), and the pipe is
 * closed, so no descriptor is left for an action to inherit or open through /proc.
 */
export function takeLauncherSecrets(env: NodeJS.ProcessEnv = process.env): number {
  const fdText = env[SECRETS_FD_VAR];
  if (fdText === undefined) return 0;
  delete env[SECRETS_FD_VAR];
  const fd = Number(fdText);
  if (!Number.isSafeInteger(fd) || fd < 3) throw new Error(`${SECRETS_FD_VAR} must be a file descriptor number (it is set by the attune-agent launcher only)`);
  let secrets: unknown;
  try {
    secrets = JSON.parse(readFileSync(fd, 'utf8'));
  } finally {
    closeSync(fd);
  }
  if (typeof secrets !== 'object' || secrets === null || Array.isArray(secrets)) throw new Error(`the launcher's secrets are not a JSON object`);
  let n = 0;
  for (const [name, value] of Object.entries(secrets as Record<string, unknown>)) {
    if (typeof value !== 'string') continue;
    env[name] = value;
    piped.add(name);
    n += 1;
  }
  return n;
}

/** The agent's credentials that are in this process's environment block (not handed over on the pipe). */
export function secretsInEnvironmentBlock(env: NodeJS.ProcessEnv = process.env): string[] {
  return agentSecretNames(env).filter((name) => !piped.has(name));
}
