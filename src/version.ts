/** Reported in worker capabilities and agent sessions. */
export const AGENT_VERSION = 'attune-temporal-0.1.0';
