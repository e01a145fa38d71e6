import { Context } from '@temporalio/activity';
import type { ClaimResult } from '../src/temporal/contracts';
import { agentControlTaskQueue, agentTaskQueue } from '../src/temporal/names';

export interface ClaimDeps {
  agentId: string;
  maxConcurrent: number;
  /** Runs in progress plus claims not yet turned into runs. */
  inFlight: () => number;
  reserve: () => void;
}

/**
 * Claims this agent for one execution. The pool worker serves one claim at a time and only returns
 * when a run slot is free, so a busy agent leaves claims to its idle siblings.
 */
export async function claimAgent(deps: ClaimDeps, _input: { v: 1; executionId: number }): Promise<ClaimResult> {
  const ctx = Context.current();
  while (deps.inFlight() >= deps.maxConcurrent) {
    ctx.heartbeat();
    await ctx.sleep(100); // rejects when the claim is cancelled
  }
  deps.reserve();
  return { v: 1, agentId: deps.agentId, taskQueue: agentTaskQueue(deps.agentId), controlTaskQueue: agentControlTaskQueue(deps.agentId) };
}
