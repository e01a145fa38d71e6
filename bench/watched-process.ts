import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { nowMs } from './stats';

/** A child process whose stdout/stderr lines we watch (agents and floor workers). */
export class WatchedProcess {
  readonly child: ChildProcess;
  readonly startedAt = nowMs();
  private buf = '';
  private readonly lineWaiters: { re: RegExp; resolve: (t: number) => void }[] = [];
  readonly exited: Promise<void>;

  constructor(cmd: string, args: string[], env: Record<string, string | undefined>, logFile: string, opts: { stdin?: boolean } = {}) {
    const out = createWriteStream(logFile, { flags: 'a' });
    this.child = spawn(cmd, args, { env, stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const onData = (chunk: Buffer) => {
      const t = nowMs();
      out.write(chunk);
      this.buf += chunk.toString('utf8');
      const lines = this.buf.split('\n');
      this.buf = lines.pop()!;
      for (const line of lines) {
        for (const w of [...this.lineWaiters]) {
          if (w.re.test(line)) {
            this.lineWaiters.splice(this.lineWaiters.indexOf(w), 1);
            w.resolve(t);
          }
        }
      }
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  /** When the first line matching `re` arrived (the moment its chunk was read). */
  line(re: RegExp, timeoutMs = 120_000): Promise<number> {
    return new Promise((resolve, reject) => {
      // One waiter per eager-floor execution: each removes its exit listener when it settles (no listener leak).
      const onExit = (code: number | null) => (clearTimeout(timer), reject(new Error(`pid ${this.child.pid} exited (${code}) before ${re}`)));
      const timer = setTimeout(() => (this.child.off('exit', onExit), reject(new Error(`no line ${re} within ${timeoutMs} ms (pid ${this.child.pid})`))), timeoutMs);
      this.lineWaiters.push({ re, resolve: (t) => (clearTimeout(timer), this.child.off('exit', onExit), resolve(t)) });
      this.child.once('exit', onExit);
    });
  }

  /** Writes one line to the child's stdin (processes spawned with `stdin: true`). */
  send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  /** Cold-start processes are dropped with SIGKILL: their Temporal sessions expire on the presence heartbeat. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(timer);
  }
}
