import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { LogSummary, RunOutcomeKind } from '../src/temporal/contracts';
import { BoundedLogFile, DEFAULT_MAX_LOG_BYTES, type LogCreator } from './bounded-log';
import type { ActionIdentity } from './agent/action-identity';
import { stopGroup } from './process-group';

export interface ProcessRequest {
  file: string;
  args: string[];
  cwd: string | undefined;
  env: Record<string, string>;
  /** Written to stdin, which is then closed; null closes stdin at once. */
  stdin: string | null;
  stdoutPath: string;
  stderrPath: string;
  /** How the logs are created (default: opened with 'w', the directory made when missing). */
  createLog?: LogCreator;
  /** The action's own uid/gid (supplementary groups cleared); null or absent: the agent's. */
  identity?: ActionIdentity;
  timeoutMs: number;
  killGraceMs: number;
  /** Aborting kills the process group (SIGTERM, grace, SIGKILL) and yields `cancelled`. */
  signal: AbortSignal;
}

export interface ProcessResult {
  kind: Exclude<RunOutcomeKind, 'agent_shutdown'>;
  exitCode: number;
  durationMs: number;
  /** Null only when the log files could not be created (and the action was not started). */
  stdout: LogSummary | null;
  stderr: LogSummary | null;
  error: string | null;
  logsIncomplete: boolean;
}

/** How long output may keep arriving after the action exited (Attune's finalization_timeout_ms). */
const LOG_FINALIZATION_MS = 1000;

export interface RunningProcess {
  result: Promise<ProcessResult>;
  progress(): { stdoutBytes: number; stderrBytes: number; lastLine: string; pid: number | null };
}

/**
 * Runs one action process in its own process group with bounded output capture. Cancellation and the
 * deadline both stop the whole group: SIGTERM, up to `killGraceMs`, then SIGKILL (like Attune, the
 * SIGKILL is always sent so descendants that ignored SIGTERM die too).
 *
 * Output that cannot be stored (artifacts volume full, quota, EIO…) stops the group the same way and the
 * run ends `exited` with the write error as its error, which Attune's result reports as a failure; the
 * returned promise never rejects for it, so one full volume never takes the agent down.
 */
export function startProcess(req: ProcessRequest): RunningProcess {
  const stdoutLog = new BoundedLogFile(req.stdoutPath, 'stdout', DEFAULT_MAX_LOG_BYTES, req.createLog);
  const stderrLog = new BoundedLogFile(req.stderrPath, 'stderr', DEFAULT_MAX_LOG_BYTES, req.createLog);
  let pid: number | null = null;
  const result = (async (): Promise<ProcessResult> => {
    const opened = await Promise.allSettled([stdoutLog.open(), stderrLog.open()]);
    const openFailure = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (openFailure) {
      await Promise.all([stdoutLog.close(), stderrLog.close()]);
      return { kind: 'spawn_failed', exitCode: -1, durationMs: 0, stdout: null, stderr: null, error: (openFailure.reason as Error).message, logsIncomplete: false };
    }
    const started = Date.now();
    const spawned = await spawnWithRetry(req);
    if ('error' in spawned) {
      const [stdout, stderr] = await Promise.all([stdoutLog.close(), stderrLog.close()]);
      return { kind: 'spawn_failed', exitCode: -1, durationMs: Date.now() - started, stdout, stderr, error: `Failed to spawn ${req.file}: ${spawned.error.message}`, logsIncomplete: false };
    }
    const { child } = spawned;
    pid = child.pid!;
    child.on('error', () => undefined); // e.g. a signal to a process already gone; the exit event tells the rest
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });

    let stopReason = null as 'cancelled' | 'timed_out' | 'output_failed' | null;
    let killing = null as Promise<void> | null;
    const stop = (reason: 'cancelled' | 'timed_out' | 'output_failed') => {
      if (stopReason !== null) return;
      stopReason = reason;
      killing = stopGroup(pid!, exited, req.killGraceMs);
    };
    const onAbort = () => stop('cancelled');
    if (req.signal.aborted) stop('cancelled');
    else req.signal.addEventListener('abort', onAbort, { once: true });
    const deadline = setTimeout(() => stop('timed_out'), req.timeoutMs);

    const stdinError = writeStdin(child.stdin, req.stdin);
    const onWriteError = () => stop('output_failed');
    const drained = Promise.all([drain(child.stdout, stdoutLog, onWriteError), drain(child.stderr, stderrLog, onWriteError)]);
    const status = await exited;
    // A descendant may keep the pipes open after the action exits: wait a bounded time for the rest of the
    // output (Attune's log finalization bound), then stop reading and say the logs are incomplete.
    let logsIncomplete = false;
    let finalizeTimer: NodeJS.Timeout | undefined;
    const bounded = await Promise.race([
      drained.then((complete) => complete.every(Boolean)),
      new Promise<false>((resolve) => (finalizeTimer = setTimeout(() => resolve(false), LOG_FINALIZATION_MS))),
    ]);
    clearTimeout(finalizeTimer);
    if (!bounded) {
      logsIncomplete = true;
      child.stdout.destroy();
      child.stderr.destroy();
      await drained;
    }
    clearTimeout(deadline);
    req.signal.removeEventListener('abort', onAbort);
    if (killing) await killing;
    const durationMs = Date.now() - started;
    const [stdout, stderr] = await Promise.all([stdoutLog.close(), stderrLog.close()]);

    const exitCode = typeof status.code === 'number' ? status.code : -1;
    // Also set when the close (or a write after the action exited) failed.
    const outputError = stdoutLog.writeError ?? stderrLog.writeError;
    if (stopReason === 'output_failed' || (outputError !== null && stopReason === null)) {
      return { kind: 'exited', exitCode, durationMs, stdout, stderr, error: outputError, logsIncomplete };
    }
    if (stopReason !== null) return { kind: stopReason, exitCode: stopReason === 'timed_out' ? -1 : exitCode, durationMs, stdout, stderr, error: null, logsIncomplete };
    const writeError = await stdinError;
    // A child that needs no input may exit before reading it; Attune ignores that broken pipe.
    const ignorable = writeError !== null && exitCode === 0 && durationMs < 500 && /EPIPE|broken pipe/i.test(writeError);
    return { kind: 'exited', exitCode, durationMs, stdout, stderr, error: writeError !== null && !ignorable ? writeError : null, logsIncomplete };
  })();
  return {
    result,
    progress: () => ({
      stdoutBytes: stdoutLog.totalBytes,
      stderrBytes: stderrLog.totalBytes,
      lastLine: stdoutLog.lastLine() || stderrLog.lastLine(),
      pid,
    }),
  };
}

/**
 * Copies one pipe into its log; never rejects. A write error is signalled once (the caller stops the
 * action) and reading goes on, counting only, so the action never blocks on a full pipe meanwhile.
 * Resolves false when reading ended on an error (the log is then incomplete).
 */
async function drain(stream: Readable, log: BoundedLogFile, onWriteError: () => void): Promise<boolean> {
  let signalled = false;
  try {
    for await (const chunk of stream) {
      await log.write(chunk as Buffer);
      if (!signalled && log.writeError !== null) {
        signalled = true;
        onWriteError();
      }
    }
    return true;
  } catch (err) {
    // destroyed after the finalization bound: what was read is kept
    return (err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE';
  }
}

/**
 * Only a failure to hand the parameters over counts (Attune's wording). Once they are written, closing
 * stdin may still fail — e.g. EPIPE when the action already exited — and that is not an error.
 */
function writeStdin(stdin: Writable, text: string | null): Promise<string | null> {
  return new Promise((resolve) => {
    let written = text === null;
    stdin.on('error', (err: Error) => {
      if (!written) resolve(`Failed to write parameters to stdin: ${err.message}`);
    });
    if (written) {
      stdin.end();
      return resolve(null);
    }
    stdin.write(`${text}\n`, (err) => {
      if (err) return resolve(`Failed to write parameters to stdin: ${err.message}`);
      written = true;
      stdin.end();
      resolve(null);
    });
  });
}

const SPAWN_ATTEMPTS = 5;

/**
 * Node's spawn rather than execa here: execa treats a broken stdin pipe as the failure of the whole
 * process and drops its output, where Attune keeps the output and applies its own rule. Like Attune,
 * retries ETXTBSY (a script still open for writing) up to 5 times, 25 ms apart.
 */
async function spawnWithRetry(req: ProcessRequest): Promise<{ child: ChildProcessWithoutNullStreams } | { error: Error }> {
  for (let attempt = 1; ; attempt++) {
    // With uid/gid, libuv's child calls setgroups(0, NULL) before setgid/setuid: no supplementary group is kept.
    const child = spawn(req.file, req.args, { cwd: req.cwd, env: req.env, detached: true, stdio: 'pipe', windowsHide: true, ...(req.identity ?? {}) });
    // Every stream has a listener from the start: an 'error' event without one would crash the agent.
    // (The runner's own handlers decide what an error means: writeStdin for stdin, drain for the outputs.)
    for (const stream of [child.stdin, child.stdout, child.stderr]) stream.on('error', () => undefined);
    const error = await new Promise<Error | null>((resolve) => {
      child.once('spawn', () => resolve(null));
      child.once('error', resolve);
    });
    if (!error) return { child };
    if ((error as NodeJS.ErrnoException).code !== 'ETXTBSY' || attempt >= SPAWN_ATTEMPTS) return { error };
    await new Promise((r) => setTimeout(r, 25));
  }
}
