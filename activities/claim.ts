import { Context } from '@temporalio/activity';
import type { ClaimInput, ClaimResult, DetectedRuntime, RunSpec } from '../src/temporal/contracts';
import { agentControlTaskQueue, agentTaskQueue } from '../src/temporal/names';
import { environmentLocation, isReady, type EnvironmentDeps } from './environment';
import { verifyRuntimeVersion } from './verify-runtime-version';

export interface ClaimDeps extends EnvironmentDeps {
  agentId: string;
  maxConcurrent: number;
  detected: DetectedRuntime[];
  /** Runs in progress plus claims not yet turned into runs. */
  inFlight: () => number;
  reserve: () => void;
}

/**
 * Claims this agent for one execution. The pool worker serves one claim at a time and only returns
 * when a run slot is free, so a busy agent leaves claims to its idle siblings. A claim that carries the
 * spec is answered with what this agent already knows (`precheck`), so the workflow schedules the
 * environment and version steps only when they have work.
 */
export async function claimAgent(deps: ClaimDeps, input: ClaimInput): Promise<ClaimResult> {
  const ctx = Context.current();
  while (deps.inFlight() >= deps.maxConcurrent) {
    ctx.heartbeat();
    await ctx.sleep(100); // rejects when the claim is cancelled
  }
  deps.reserve();
  const claim: ClaimResult = { v: 1, agentId: deps.agentId, taskQueue: agentTaskQueue(deps.agentId), controlTaskQueue: agentControlTaskQueue(deps.agentId) };
  if (!input.spec) return claim;
  try {
    return { ...claim, precheck: await precheck(deps, input.spec) };
  } catch {
    // Without an answer the workflow schedules the environment and version steps as needed: the claim stands.
    return claim;
  }
}

async function precheck(deps: ClaimDeps, spec: RunSpec): Promise<NonNullable<ClaimResult['precheck']>> {
  const location = await environmentLocation(spec, deps);
  const environment = location === null ? 'none' : isReady(location.dir, location.key) ? 'ready' : 'needed';
  const constrained = (spec.runtimeVersionConstraint ?? '').trim() !== '';
  // The interpreter to check is the environment's once it exists: a check before it is built would be of the wrong one.
  const version = constrained && environment !== 'needed' ? await verifyRuntimeVersion(deps, spec) : null;
  return { environment, version };
}
