import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { FinalStatus } from './status';
import type { LogSummary, OutputFormat, RunOutcome } from '../temporal/contracts';
import { parseOutput } from './output-format';
import { executionLogPaths } from './artifact-layout';

/**
 * Builds `execution.result` and the final status exactly as Attune's worker does (§3.5, §2.14, §2.18),
 * reading the captured output from the shared artifacts volume: the output never rides in Temporal.
 */
export interface FinalReport {
  status: FinalStatus;
  result: Record<string, unknown>;
}

export class LogUnavailableError extends Error {
  override name = 'LogUnavailableError';
}

/**
 * Reads a log file the agent wrote — at the path the reader derives itself, never one the agent names —
 * and checks it is the one the agent reported (size and SHA-256).
 */
export async function readCapturedLog(file: string, summary: LogSummary | null): Promise<string> {
  if (!summary) return '';
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new LogUnavailableError(`log file ${file} is not readable from the bridge: ${(err as Error).message} (is the artifacts volume shared?)`);
  }
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (bytes.length !== summary.fileBytes || sha !== summary.sha256) {
    throw new LogUnavailableError(`log file ${file} differs from what the agent wrote (${bytes.length} bytes, expected ${summary.fileBytes})`);
  }
  // Lossy UTF-8, like Attune: a cut inside a multi-byte character becomes U+FFFD.
  return bytes.toString('utf8');
}

/** Attune's error text for a non-zero exit: the stderr, or its last line when it is long. */
export function exitError(exitCode: number, stderr: string): string {
  if (stderr === '') return `Command exited with code ${exitCode}`;
  const lines = stderr.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.length > 5 ? lines[lines.length - 1]! : stderr;
}

/**
 * `tailOnly`: the log files cannot be read (the artifacts volume is not shared, or lost): report with the
 * tails the agent sent instead, flagged `logs_incomplete`, rather than leave the execution unreported.
 */
export async function buildReport(
  outcome: RunOutcome,
  outputFormat: OutputFormat,
  logs: { artifactsDir: string; executionId: number; tailOnly?: boolean },
): Promise<FinalReport> {
  const paths = executionLogPaths(logs.artifactsDir, logs.executionId);
  const [stdout, stderr] = logs.tailOnly
    ? [outcome.stdout?.tail ?? '', outcome.stderr?.tail ?? '']
    : await Promise.all([readCapturedLog(paths.stdout, outcome.stdout), readCapturedLog(paths.stderr, outcome.stderr)]);
  const extras: Record<string, unknown> = {};
  if (logs.tailOnly) extras.logs_incomplete = true;
  if (stderr.trim() !== '' && outcome.stderr) extras.stderr_log = paths.stderr;
  if (outcome.logsIncomplete) extras.logs_incomplete = true;

  if (outcome.kind === 'spawn_failed') {
    const result: Record<string, unknown> = { succeeded: false, error: `Action execution failed: Internal error: ${outcome.error ?? 'spawn failed'}`, ...extras };
    if (stdout !== '') result.stdout = stdout;
    return { status: 'failed', result };
  }

  const base = { exit_code: outcome.exitCode, duration_ms: outcome.durationMs };
  const truncation: Record<string, unknown> = {};
  if (outcome.stdout?.truncated) Object.assign(truncation, { stdout_truncated: true, stdout_bytes_truncated: outcome.stdout.bytesTruncated });
  if (outcome.stderr?.truncated) Object.assign(truncation, { stderr_truncated: true, stderr_bytes_truncated: outcome.stderr.bytesTruncated });
  const withStdout = (r: Record<string, unknown>) => (stdout !== '' ? { ...r, stdout } : r);

  if (outcome.kind === 'cancelled') {
    return { status: 'cancelled', result: withStdout({ succeeded: false, cancelled: true, ...base, error: 'Execution cancelled by user', ...extras, ...truncation }) };
  }
  if (outcome.kind === 'timed_out') {
    // The timeout is recomputed from the duration budget the workflow gave the agent.
    return { status: 'timeout', result: withStdout({ succeeded: false, timed_out: true, ...base, exit_code: -1, error: outcome.error ?? 'Execution timed out', ...extras, ...truncation }) };
  }
  if (outcome.kind === 'agent_shutdown') {
    const error = `Agent ${outcome.agentId} shut down before the action finished`;
    return { status: 'failed', result: withStdout({ succeeded: false, ...base, error, ...extras, ...truncation }) };
  }

  const error = outcome.error ?? (outcome.exitCode !== 0 ? exitError(outcome.exitCode, stderr) : null);
  const data = outcome.exitCode === 0 ? parseOutput(stdout, outputFormat) : undefined;
  const parsed: Record<string, unknown> = {};
  if (data !== undefined) {
    parsed.data = data;
    if (data !== null && typeof data === 'object' && 'queue_ack' in data) parsed.queue_ack = (data).queue_ack;
  }
  // When output was parsed, stdout is not stored a second time.
  const output = (r: Record<string, unknown>) => (data === undefined ? withStdout(r) : r);
  if (error === null) return { status: 'completed', result: output({ ...base, succeeded: true, ...extras, ...parsed }) };
  return { status: 'failed', result: output({ succeeded: false, ...base, error, ...extras, ...truncation, ...parsed }) };
}
