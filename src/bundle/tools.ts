import { execFileSync } from 'node:child_process';

/** Runs a build tool; its output is returned, its failure names the command. */
export function run(cmd: string, args: string[], opts: { cwd?: string; input?: string } = {}): string {
  try {
    return execFileSync(cmd, args, { cwd: opts.cwd, input: opts.input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${(e.stderr ?? '').trim() || e.message}`, { cause: err });
  }
}

export function cacheDir(): string {
  return process.env.ATTUNE_TEMPORAL_CACHE ?? '/var/cache/attune-temporal';
}
