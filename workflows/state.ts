/** What the `attuneState` query shows of one execution workflow, and what the workflow returns. */
export type ExecutionPhase = 'waiting_dispatch' | 'preparing' | 'claiming' | 'environment' | 'verifying' | 'running' | 'finalizing' | 'reporting' | 'done';
export interface ExecutionState {
  phase: ExecutionPhase;
  dispatches: number;
  cancelRequested: boolean;
  agentId: string | null;
  claims: number;
  finalStatus: string | null;
}

export interface ExecutionWorkflowResult {
  v: 1;
  status: string;
  applied: boolean;
}
