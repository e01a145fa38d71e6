import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import path from 'node:path';

/** Running — not gone, and not a zombie waiting for whoever inherited it to reap it. */
export function isAlive(pid: number): boolean {
  try {
    return !/\)\s+Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export const CLI = path.join(__dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');

/** A bridge or agent process of the real CLI; its stderr (pino logs) goes to a file for debugging. */
export class CliProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /** `wrap` runs the CLI under another command (e.g. unshare), which must exec its last argument list. */
  constructor(
    readonly args: string[],
    env: Record<string, string | undefined>,
    logFile: string,
    wrap: string[] = [],
  ) {
    const log = createWriteStream(logFile, { flags: 'a' });
    const [file, ...rest] = [...wrap, process.execPath, CLI, ...args];
    this.child = spawn(file!, rest, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.pipe(log);
    this.child.stderr?.pipe(log);
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Neither exited nor killed by a signal yet. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
