/** The bundle's agent is agent-main.js, compiled by agent.js (agent-loader.ts) with the V8 code cache beside it. */
export const AGENT_MAIN = 'agent-main.js';
export const CODE_CACHE = 'agent-main.js.v8cache';

/** How the agent's code was compiled: with the bundle's code cache, with it rejected by V8, or without one. */
export type CodeCacheState = 'used' | 'rejected' | 'none';

const STATE = Symbol.for('attune.agent.codeCache');

export function setCodeCacheState(state: CodeCacheState): void {
  (globalThis as Record<symbol, unknown>)[STATE] = state;
}

/** Undefined outside the bundle (the agent run from dist/ by the CLI). */
export function codeCacheState(): CodeCacheState | undefined {
  return (globalThis as Record<symbol, unknown>)[STATE] as CodeCacheState | undefined;
}
