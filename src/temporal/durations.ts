/**
 * Durations the workflow and the agent must agree on, defined once. Pure constants: workflow code may
 * import this file (see the workflow fence in eslint.config.js).
 */

/** Seconds Attune waits between SIGTERM and SIGKILL when it stops an action (or a setup command). */
export const KILL_GRACE_SECONDS = 10;
