import execa from 'execa';
import type { Readable } from 'node:stream';
import type { LogSummary, RunOutcomeKind } from '../src/temporal/contracts';
import { BoundedLogFile } from './bounded-log';

export interface ProcessRequest {
  file: string;
  args: string[];
  cwd: string | undefined;
  env: Record<string, string>;
  /** Written to stdin, which is then closed; null closes stdin at once. */
  stdin: string | null;
  stdoutPath: string;
  stderrPath: string;
  timeoutMs: number;
  killGraceMs: number;
  /** Aborting kills the process group (SIGTERM, grace, SIGKILL) and yields `cancelled`. */
  signal: AbortSignal;
  onSpawn?: (pid: number) => void;
}

export interface ProcessResult {
  kind: Exclude<RunOutcomeKind, 'agent_shutdown'>;
  exitCode: number;
  durationMs: number;
  stdout: LogSummary;
  stderr: LogSummary;
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
 */
export function startProcess(req: ProcessRequest): RunningProcess {
  const stdoutLog = new BoundedLogFile(req.stdoutPath, 'stdout');
  const stderrLog = new BoundedLogFile(req.stderrPath, 'stderr');
  let pid: number | null = null;
  const result = (async (): Promise<ProcessResult> => {
    await Promise.all([stdoutLog.open(), stderrLog.open()]);
    const started = Date.now();
    const child = execa(req.file, req.args, {
      cwd: req.cwd,
      env: req.env,
      extendEnv: false,
      detached: true, // own process group, so the group can be signalled as a whole
      buffer: false,
      reject: false,
      cleanup: false, // the agent kills groups itself, including on shutdown
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      windowsHide: true,
    });
    pid = child.pid ?? null;
    if (pid !== null) req.onSpawn?.(pid);

    let stopReason = null as 'cancelled' | 'timed_out' | null;
    let killing = null as Promise<void> | null;
    const exited = new Promise<void>((resolve) => {
      void child.once('exit', () => resolve()); // (execa's child is also a promise)
    });
    const stop = (reason: 'cancelled' | 'timed_out') => {
      if (stopReason !== null || pid === null) return;
      stopReason = reason;
      killing = killGroup(pid, exited, req.killGraceMs);
    };
    const onAbort = () => stop('cancelled');
    if (req.signal.aborted) stop('cancelled');
    else req.signal.addEventListener('abort', onAbort, { once: true });
    const deadline = setTimeout(() => stop('timed_out'), req.timeoutMs);

    const stdinError = writeStdin(child.stdin, req.stdin);
    const drained = Promise.all([drain(child.stdout, stdoutLog), drain(child.stderr, stderrLog)]);
    const settled = await child;
    // A descendant may keep the pipes open after the action exits: wait a bounded time for the rest of the
    // output (Attune's log finalization bound), then stop reading and say the logs are incomplete.
    let logsIncomplete = false;
    let finalizeTimer: NodeJS.Timeout | undefined;
    const bounded = await Promise.race([
      drained.then(() => true),
      new Promise<false>((resolve) => (finalizeTimer = setTimeout(() => resolve(false), LOG_FINALIZATION_MS))),
    ]);
    clearTimeout(finalizeTimer);
    if (!bounded) {
      logsIncomplete = true;
      child.stdout?.destroy();
      child.stderr?.destroy();
      await drained.catch(() => undefined);
    }
    clearTimeout(deadline);
    req.signal.removeEventListener('abort', onAbort);
    if (killing) await killing;
    const durationMs = Date.now() - started;
    const [stdout, stderr] = await Promise.all([stdoutLog.close(), stderrLog.close()]);

    if (pid === null || (settled.failed && settled.exitCode === undefined && !settled.signal && stopReason === null)) {
      const reason = (settled as { originalMessage?: string; shortMessage?: string }).originalMessage ?? (settled as { shortMessage?: string }).shortMessage;
      return { kind: 'spawn_failed', exitCode: -1, durationMs, stdout, stderr, error: `Failed to spawn ${req.file}: ${reason}`, logsIncomplete };
    }
    const exitCode = typeof settled.exitCode === 'number' ? settled.exitCode : -1;
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

async function drain(stream: Readable | null, log: BoundedLogFile): Promise<void> {
  if (!stream) return;
  try {
    for await (const chunk of stream) await log.write(chunk as Buffer);
  } catch (err) {
    // destroyed after the finalization bound: what was read is kept
    if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err;
  }
}

function writeStdin(stdin: NodeJS.WritableStream | null, text: string | null): Promise<string | null> {
  return new Promise((resolve) => {
    if (!stdin) return resolve(null);
    stdin.on('error', (err: Error) => resolve(`Failed to write parameters to stdin: ${err.message}`));
    if (text === null) {
      stdin.end(() => resolve(null));
      return;
    }
    stdin.end(`${text}\n`, () => resolve(null));
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

async function killGroup(pid: number, exited: Promise<void>, graceMs: number): Promise<void> {
  signalGroup(pid, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
  clearTimeout(timer);
  signalGroup(pid, 'SIGKILL');
}
