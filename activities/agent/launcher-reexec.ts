import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { ORIGINAL_ENV_VAR } from './original-env';
import { SECRETS_FD_VAR } from './launcher-secrets';
import { agentSecretNames } from './secret-names';

type Execve = (file: string, args: string[], env: Record<string, string>) => never;

/**
 * The bundle's launcher to re-execute through, or null. Only for the bundle's own node (`<dir>/bin/node` running
 * `<dir>/agent.js`, with `<dir>/attune-agent` beside them — the launcher starts exactly those), only when the
 * agent's credentials are in the environment, and never when the launcher already started us (it always sets
 * ATTUNE_AGENT_ORIGINAL_ENV_JSON), so there is no loop.
 */
export function launcherToReexec(env: NodeJS.ProcessEnv, execPath: string, script: string): string | null {
  if (env[SECRETS_FD_VAR] !== undefined || env[ORIGINAL_ENV_VAR] !== undefined) return null;
  if (agentSecretNames(env).length === 0) return null;
  const agentDir = path.dirname(path.dirname(execPath));
  if (execPath !== path.join(agentDir, 'bin', 'node') || path.resolve(script) !== path.join(agentDir, 'agent.js')) return null;
  const launcher = path.join(agentDir, 'attune-agent');
  try {
    accessSync(launcher, constants.X_OK);
  } catch {
    return null;
  }
  return launcher;
}

/**
 * Started without the launcher but with credentials in the environment (`node agent.js`): becomes the launcher
 * (process.execve, Node ≥ 22.15), which takes them out of the environment block, hands them to a new node on a
 * pipe and wipes its own copy. Returns only when that is not possible (no execve, not the bundle): the agent
 * then warns at start (exposure-warnings.ts).
 */
export function reexecThroughLauncher(args: string[]): void {
  const execve = (process as unknown as { execve?: Execve }).execve;
  if (typeof execve !== 'function') return;
  const launcher = launcherToReexec(process.env, process.execPath, process.argv[1] ?? '');
  if (launcher === null) return;
  const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
  execve.call(process, launcher, [launcher, ...args], env);
}
