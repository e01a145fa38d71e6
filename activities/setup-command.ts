import execa from 'execa';
import { stopGroup } from './process-group';
import type { ActionIdentity } from './agent/action-identity';

export interface SetupCommandResult {
  exitCode: number;
  /** Only the size of stderr is ever reported: installers print URLs with credentials. */
  stderrBytes: number;
  spawnError: string | null;
}

/**
 * Runs one environment-setup command in its own process group, under the action's uid when actions have their
 * own (it runs pack code too). Output is drained and counted, never kept; aborting or the deadline stops the
 * whole group with the agent's one policy (SIGTERM, grace, SIGKILL).
 */
export async function runSetupCommand(argv: string[], opts: { cwd?: string; env: Record<string, string>; signal: AbortSignal; timeoutMs: number; identity?: ActionIdentity }): Promise<SetupCommandResult> {
  const [file, ...args] = argv;
  if (!file) return { exitCode: -1, stderrBytes: 0, spawnError: 'empty command' };
  const child = execa(file, args, { cwd: opts.cwd, env: opts.env, extendEnv: false, detached: true, buffer: false, reject: false, stdin: 'ignore', ...(opts.identity ?? {}) });
  let stderrBytes = 0;
  child.stdout?.resume();
  child.stderr?.on('data', (c: Buffer) => (stderrBytes += c.length));
  const exited = child.then(() => undefined, () => undefined);
  const stop = () => {
    if (child.pid) void stopGroup(child.pid, exited);
  };
  opts.signal.addEventListener('abort', stop, { once: true });
  const timer = setTimeout(stop, opts.timeoutMs);
  try {
    const result = await child;
    if (result.failed && result.exitCode === undefined && !result.signal) {
      return { exitCode: -1, stderrBytes, spawnError: (result as { originalMessage?: string }).originalMessage ?? 'spawn failed' };
    }
    return { exitCode: typeof result.exitCode === 'number' ? result.exitCode : -1, stderrBytes, spawnError: null };
  } finally {
    clearTimeout(timer);
    opts.signal.removeEventListener('abort', stop);
  }
}
