import type { ExecutionState, ExecutionStatusView } from './state';

/** The `status` query's answer, from what the workflow already holds (no round trip to anyone). */
export function statusView(executionId: number, actionRef: string | null, state: ExecutionState): ExecutionStatusView {
  const p = state.progress ?? null;
  return {
    v: 1,
    executionId,
    actionRef,
    phase: state.phase,
    agentId: state.agentId,
    claims: state.claims,
    cancelRequested: state.cancelRequested,
    finalStatus: state.finalStatus,
    pid: p?.pid ?? null,
    stdoutBytes: p?.stdoutBytes ?? null,
    stderrBytes: p?.stderrBytes ?? null,
    lastLine: p?.lastLine ?? null,
    progressFrom: p?.from ?? null,
    retriedAs: state.retriedAs ?? null,
  };
}

const PHASE_TEXT: Record<ExecutionState['phase'], string> = {
  waiting_dispatch: 'waiting for its dispatch',
  preparing: 'preparing',
  claiming: 'waiting for an agent to claim it',
  environment: 'preparing the environment',
  verifying: 'checking the runtime version',
  running: 'running',
  finalizing: 'checksumming artifacts',
  reporting: 'reporting',
  retrying: 'creating the retry (reset run)',
  done: 'done',
};

/** The workflow's current details in the Temporal UI (one markdown line). */
export function currentDetails(view: ExecutionStatusView): string {
  const parts = [`**${view.phase === 'done' ? (view.finalStatus ?? 'done') : PHASE_TEXT[view.phase]}**`];
  if (view.actionRef) parts.push(`\`${view.actionRef}\``);
  if (view.agentId) parts.push(`agent \`${view.agentId}\``);
  if (view.claims > 1) parts.push(`claim ${view.claims}`);
  if (view.cancelRequested && view.phase !== 'done') parts.push('cancel requested');
  if (view.retriedAs !== null) parts.push(`retried as execution ${view.retriedAs}`);
  if (view.stdoutBytes !== null) parts.push(`${view.stdoutBytes} B stdout, ${view.stderrBytes ?? 0} B stderr`);
  return parts.join(' · ');
}
