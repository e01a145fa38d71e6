import execa from 'execa';

export interface SetupCommandResult {
  exitCode: number;
  /** Only the size of stderr is ever reported: installers print URLs with credentials. */
  stderrBytes: number;
  spawnError: string | null;
}

/**
 * Runs one environment-setup command in its own process group. Output is drained and counted, never
 * kept; aborting kills the whole group.
 */
export async function runSetupCommand(argv: string[], opts: { cwd?: string; env: Record<string, string>; signal: AbortSignal; timeoutMs: number }): Promise<SetupCommandResult> {
  const [file, ...args] = argv;
  if (!file) return { exitCode: -1, stderrBytes: 0, spawnError: 'empty command' };
  const child = execa(file, args, { cwd: opts.cwd, env: opts.env, extendEnv: false, detached: true, buffer: false, reject: false, stdin: 'ignore' });
  let stderrBytes = 0;
  child.stdout?.resume();
  child.stderr?.on('data', (c: Buffer) => (stderrBytes += c.length));
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  opts.signal.addEventListener('abort', killGroup, { once: true });
  const timer = setTimeout(killGroup, opts.timeoutMs);
  try {
    const result = await child;
    if (result.failed && result.exitCode === undefined && !result.signal) {
      return { exitCode: -1, stderrBytes, spawnError: (result as { originalMessage?: string }).originalMessage ?? 'spawn failed' };
    }
    return { exitCode: typeof result.exitCode === 'number' ? result.exitCode : -1, stderrBytes, spawnError: null };
  } finally {
    clearTimeout(timer);
    opts.signal.removeEventListener('abort', killGroup);
  }
}
