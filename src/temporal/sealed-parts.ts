import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SealedParts } from './contracts';
import type { CodecKey } from './payload-codec';

/** The RunSpec fields that carry restored secrets, the API token and whatever Attune was given. */
export interface SecretParts {
  parameters: Record<string, unknown>;
  executionEnv: Record<string, string>;
  contextEnv: Record<string, string>;
}

/** Why a sealed blob cannot be opened here; its message never holds any of the blob. */
export class SealedPartsError extends Error {
  override name = 'SealedPartsError';
}

const associatedData = (executionId: number, pool: string) => Buffer.from(`attune-temporal sealed run spec v1\0${executionId}\0${pool}`);

/** Seals the parts with the pool's first key, bound to the execution and the pool. */
export function sealParts(parts: SecretParts, executionId: number, pool: string, keys: readonly CodecKey[]): SealedParts {
  const { id, key } = keys[0]!;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(associatedData(executionId, pool));
  const plain = Buffer.from(JSON.stringify(parts));
  const data = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return { v: 1, pool, keyId: id, iv: iv.toString('base64'), data: data.toString('base64') };
}

/** Opens parts sealed for `executionId` in `pool` with any of the pool's keys (by key id). */
export function openParts(sealed: SealedParts, executionId: number, pool: string, keys: readonly CodecKey[]): SecretParts {
  if (sealed.v !== 1) throw new SealedPartsError(`the run spec is sealed in an unknown format (v${String(sealed.v)})`);
  if (sealed.pool !== pool) throw new SealedPartsError(`the run spec is sealed for pool "${sealed.pool}", not for this agent's pool "${pool}"`);
  const key = keys.find((k) => k.id === sealed.keyId)?.key;
  if (!key) {
    const held = keys.length === 0 ? 'none' : keys.map((k) => `"${k.id}"`).join(', ');
    throw new SealedPartsError(`the run spec is sealed with pool key "${sealed.keyId}"; this agent holds ${held} (its ATTUNE_AGENT_POOL_KEYS must list the bridge's keys for pool "${pool}")`);
  }
  const data = Buffer.from(sealed.data, 'base64');
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(associatedData(executionId, pool));
    decipher.setAuthTag(data.subarray(data.length - 16));
    plain = Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]);
  } catch {
    throw new SealedPartsError(`the sealed run spec does not open with pool key "${sealed.keyId}": it was sealed for another execution, with another key of that id, or altered`);
  }
  const parts = JSON.parse(plain.toString()) as Partial<SecretParts>;
  return { parameters: parts.parameters ?? {}, executionEnv: parts.executionEnv ?? {}, contextEnv: parts.contextEnv ?? {} };
}
