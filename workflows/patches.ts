/**
 * Workflow changes since the first release, each behind patched() so executions started by older code
 * replay unchanged (test/fixtures/histories holds their recorded histories).
 */
export const PATCHES = {
  /** ensureEnvironment → verifyRuntimeVersion → runAction → finalizeArtifacts as separate steps. */
  agentSteps: 'agent-steps-v2',
  /** No ensureEnvironment for runtimes without an environment, no version check without a constraint. */
  skipNoopSteps: 'skip-noop-agent-steps-v3',
  /** A cancel during the claim wait cancels the claim at once (it used to wait for a claim or the 10 min timeout). */
  cancellableClaim: 'cancellable-claim-v1',
  /** Agent session: the departure re-sync runs even when the session was cancelled (an agent stopping closes its own). */
  sessionDepartureSync: 'session-departure-sync-v1',
  /** Agent session: the announce runs to its end even when the session is cancelled meanwhile (then the departure too). */
  sessionAnnounceSync: 'session-announce-sync-v1',
  /** attuneExecutionWorkflow upserts AttuneAgent/AttuneRuntime/AttuneStatus (once after the claim, once at the end). */
  searchAttributes: 'search-attributes-v1',
  /** attuneExecutionWorkflow: a re-attach asks the agent to start the run if it never received it (its task was lost in transit). */
  reattachStartsLostRun: 'reattach-starts-lost-run-v1',
} as const;
