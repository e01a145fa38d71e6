/** Set by the global setups (once per jest run): when this run began, so the teardown knows what is ours. */
export const RUN_STARTED_AT = 'ATTUNE_TEST_RUN_STARTED_AT';

export function markRunStarted(): void {
  process.env[RUN_STARTED_AT] ??= new Date().toISOString();
}
