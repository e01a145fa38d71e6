/** Attune's `execution_status_enum`, spelled as in the database and on the wire. */
export const EXECUTION_STATUSES = [
  'requested',
  'scheduling',
  'scheduled',
  'running',
  'completed',
  'failed',
  'canceling',
  'cancelled',
  'timeout',
  'abandoned',
] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export const TERMINAL_STATUSES: readonly ExecutionStatus[] = ['completed', 'failed', 'cancelled', 'timeout', 'abandoned'];

/** The statuses a worker can finish an execution with. */
export type FinalStatus = 'completed' | 'failed' | 'timeout' | 'cancelled';

export function isTerminal(status: ExecutionStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}
