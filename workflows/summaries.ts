import type { RunSpec } from '../src/temporal/contracts';

/**
 * One-line summaries of the activities, shown in the Temporal UI's event history. They go through the payload
 * codec like any payload, but are written to be harmless in plaintext anyway: action ref, runtime, an entrypoint
 * that is a file path, agent and pool names — never parameters, environment, output, or an inline script's text.
 */
const FILE_PATH = /^[\w.-]+(?:\/[\w.-]+)*$/;

/** `python actions/hello.py`, or the action ref when the entrypoint is inline code (it may hold anything). */
export function whatRuns(spec: Pick<RunSpec, 'runtimeName' | 'entrypoint' | 'actionRef'>): string {
  const what = spec.entrypoint.length <= 200 && FILE_PATH.test(spec.entrypoint) ? `actions/${spec.entrypoint}` : spec.actionRef;
  return spec.runtimeName ? `${spec.runtimeName} ${what}` : what;
}

export const SUMMARIES = {
  prepare: (executionId: number) => `prepare execution ${executionId}`,
  begin: (executionId: number) => `mark execution ${executionId} running`,
  complete: (executionId: number) => `report execution ${executionId}`,
  retry: (executionId: number) => `retry execution ${executionId} (reset run)`,
  claim: (executionId: number, pool: string) => `claim execution ${executionId} on pool ${pool}`,
  run: (spec: RunSpec, agentId: string) => `${spec.attach === true ? 're-attach to' : 'run'} ${whatRuns(spec)} on agent ${agentId}`,
  environment: (spec: RunSpec, agentId: string) => `prepare the ${spec.runtimeName ?? 'runtime'} environment on agent ${agentId}`,
  version: (spec: RunSpec, agentId: string) => `check ${spec.runtimeName ?? 'runtime'} ${(spec.runtimeVersionConstraint ?? '').trim()} on agent ${agentId}`,
  artifacts: (executionId: number, agentId: string) => `checksum the artifacts of execution ${executionId} on agent ${agentId}`,
  kill: (executionId: number, agentId: string) => `stop execution ${executionId} on agent ${agentId}`,
} as const;
