import { ConfigError } from '../errors';
import { parseCodecKey, parseCodecKeys, readKeysSetting, type CodecKey } from './payload-codec';

/** Pool name → its keys, the first one sealing. */
export type PoolKeys = ReadonlyMap<string, readonly CodecKey[]>;

const POOL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const BRIDGE_POOL_KEYS = 'ATTUNE_TEMPORAL_POOL_KEYS';
export const AGENT_POOL_KEYS = 'ATTUNE_AGENT_POOL_KEYS';

/**
 * The bridge's per-pool keys, from `ATTUNE_TEMPORAL_POOL_KEYS` (or `…_FILE`): `pool=id:base64,id:base64,pool2=id:base64`
 * (commas or whitespace between entries); an `id:base64` entry without `pool=` is another key of the pool before it,
 * and the first key listed for a pool seals, all of them open. Unset: no pool's run specs are sealed.
 */
export function loadBridgePoolKeys(env: Record<string, string | undefined> = process.env): PoolKeys {
  const text = readKeysSetting(env, BRIDGE_POOL_KEYS);
  const keys = new Map<string, CodecKey[]>();
  let pool: string | null = null;
  for (const entry of (text ?? '').split(/[\s,]+/).filter(Boolean)) {
    const named = /^([^:=]*)=(.*)$/.exec(entry);
    if (named) pool = named[1]!;
    if (pool === null || !POOL_NAME.test(pool)) throw new ConfigError(`${BRIDGE_POOL_KEYS} is invalid: expected pool=id:base64,… entries (a pool name as in ATTUNE_WORKER_NAME)`);
    const key = parseCodecKey(named ? named[2]! : entry, BRIDGE_POOL_KEYS);
    const known = keys.get(pool) ?? [];
    if (known.some((k) => k.id === key.id)) throw new ConfigError(`${BRIDGE_POOL_KEYS} is invalid: pool "${pool}" lists key id "${key.id}" twice`);
    keys.set(pool, [...known, key]);
  }
  return keys;
}

/** The agent's own pool's keys, from `ATTUNE_AGENT_POOL_KEYS` (or `…_FILE`): `id:base64,…` like the codec keys; unset: none. */
export function loadAgentPoolKeys(env: Record<string, string | undefined> = process.env): CodecKey[] {
  const text = readKeysSetting(env, AGENT_POOL_KEYS);
  return text ? parseCodecKeys(text, AGENT_POOL_KEYS) : [];
}
