import type { PrepareResult } from '../src/temporal/contracts';
import type { PoolKeys } from '../src/temporal/pool-keys';
import { sealParts } from '../src/temporal/sealed-parts';

/**
 * Seals a ready RunSpec's parameters, execution env and context env to the key of the pool the execution is
 * assigned to, so only that pool's agents open them; a pool without a key (or no pool keys at all) passes as is.
 */
export async function sealRunSpec(poolKeys: PoolKeys, prepared: PrepareResult, poolOf: () => Promise<string | null>): Promise<PrepareResult> {
  if (prepared.kind !== 'ready' || poolKeys.size === 0) return prepared;
  const pool = await poolOf();
  const keys = pool === null ? undefined : poolKeys.get(pool);
  if (pool === null || !keys) return prepared;
  const { spec } = prepared;
  const sealed = sealParts({ parameters: spec.parameters, executionEnv: spec.executionEnv, contextEnv: spec.contextEnv }, spec.executionId, pool, keys);
  return { ...prepared, spec: { ...spec, parameters: {}, executionEnv: {}, contextEnv: {}, sealed } };
}

/** One line at start: which of this adapter's pools get sealed run specs and which do not. */
export function sealingSummary(poolKeys: PoolKeys, ownPools: readonly string[]): { level: 'info' | 'warn'; fields: Record<string, unknown>; message: string } {
  const unsealed = ownPools.filter((p) => !poolKeys.has(p));
  const sealed = [...poolKeys.keys()];
  if (sealed.length === 0) {
    return { level: 'warn', fields: { unsealed }, message: 'run specs are sealed for no pool (ATTUNE_TEMPORAL_POOL_KEYS is not set): every agent\'s codec key opens every pool\'s secret parameters and API tokens' };
  }
  return {
    level: unsealed.length > 0 ? 'warn' : 'info',
    fields: { sealed, unsealed },
    message:
      unsealed.length > 0
        ? `run specs of pools ${unsealed.join(', ')} are not sealed (no key in ATTUNE_TEMPORAL_POOL_KEYS), nor those of a pool added later without one`
        : 'run specs are sealed to their pool\'s key; a pool attached later without a key in ATTUNE_TEMPORAL_POOL_KEYS is warned about',
  };
}
