import type { KnownProgress } from './progress';

/** What the `attuneState` query shows of one execution workflow, and what the workflow returns. */
export type ExecutionPhase = 'waiting_dispatch' | 'preparing' | 'claiming' | 'environment' | 'verifying' | 'running' | 'finalizing' | 'reporting' | 'retrying' | 'done';
export interface ExecutionState {
  phase: ExecutionPhase;
  dispatches: number;
  cancelRequested: boolean;
  agentId: string | null;
  claims: number;
  finalStatus: string | null;
  /** A bridge step found the row already final and the run made by Reset (see reset-retry.ts). */
  fencedInResetRun?: boolean;
  /** The retry a reset run created (added with retries). */
  retriedAs?: number;
  /** Output known so far (added with the `status` query): from the outcome, or the last heartbeat of a lost run. */
  progress?: KnownProgress | null;
}

/** The `status` query's answer: what an operator reads of one execution (no parameters, no output beyond a line). */
export interface ExecutionStatusView {
  v: 1;
  executionId: number;
  actionRef: string | null;
  phase: ExecutionPhase;
  agentId: string | null;
  claims: number;
  cancelRequested: boolean;
  finalStatus: string | null;
  pid: number | null;
  stdoutBytes: number | null;
  stderrBytes: number | null;
  lastLine: string | null;
  /** Where the output figures come from; null while none are known (a run in progress: see its heartbeat). */
  progressFrom: KnownProgress['from'] | null;
  /** The execution a reset run created as this one's retry. */
  retriedAs: number | null;
}

export interface ExecutionWorkflowResult {
  v: 1;
  status: string;
  applied: boolean;
  /** A reset run: the id of the retry it created (Attune's new execution row). */
  retriedAs?: number;
}
