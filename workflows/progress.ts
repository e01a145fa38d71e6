import type { RunOutcome, RunProgress } from '../src/temporal/contracts';

/**
 * What the workflow knows of a run's output without asking the agent: the outcome's sizes and tail once it
 * ended, or the last heartbeat's details when the heartbeats were lost. While a run goes on, its live progress
 * is the pending activity's heartbeat in the Temporal UI.
 */
export interface KnownProgress {
  pid: number | null;
  stdoutBytes: number;
  stderrBytes: number;
  lastLine: string | null;
  from: 'outcome' | 'last_heartbeat';
}

const MAX_LINE = 200;

/** The last non-empty line of a tail, cut to a readable length. */
export function lastLineOf(tail: string | null | undefined): string | null {
  const lines = (tail ?? '').split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
  const last = lines[lines.length - 1];
  if (last === undefined) return null;
  return last.length > MAX_LINE ? `${last.slice(0, MAX_LINE - 1)}…` : last;
}

export function progressOfOutcome(outcome: RunOutcome): KnownProgress {
  return {
    pid: null,
    stdoutBytes: outcome.stdout?.totalBytes ?? 0,
    stderrBytes: outcome.stderr?.totalBytes ?? 0,
    lastLine: lastLineOf(outcome.stdout?.tail) ?? lastLineOf(outcome.stderr?.tail),
    from: 'outcome',
  };
}

/** Null unless the details are a RunProgress (heartbeats of older agents, or none at all). */
export function progressOfHeartbeat(details: unknown): KnownProgress | null {
  if (typeof details !== 'object' || details === null) return null;
  const d = details as Partial<RunProgress>;
  if (typeof d.stdoutBytes !== 'number' || typeof d.stderrBytes !== 'number') return null;
  return { pid: typeof d.pid === 'number' ? d.pid : null, stdoutBytes: d.stdoutBytes, stderrBytes: d.stderrBytes, lastLine: lastLineOf(d.lastLine), from: 'last_heartbeat' };
}
