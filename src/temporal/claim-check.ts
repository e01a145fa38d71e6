import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { ParametersRef, SealedParts } from './contracts';
import type { SecretParts } from './sealed-parts';
import type { EncryptionCodec } from './payload-codec';

/**
 * Claim-check for a RunSpec's large parts. Parameters (restored secrets and API tokens included) and the
 * execution env can be as large as Attune accepts, far beyond Temporal's 2 MB payload limit. Above the
 * threshold they leave the RunSpec: the bridge writes them, encrypted with the payload codec, to a file on
 * the artifacts volume it shares with the agents, and the RunSpec carries only a reference (path, size,
 * SHA-256). The workflow passes the reference along and never reads the file, so replay never depends on it.
 */
export const CLAIM_CHECK_THRESHOLD_BYTES = 256 * 1024;
/** Above this the execution fails before it runs, with an error saying so. */
export const MAX_CLAIM_CHECK_BYTES = 256 * 1024 * 1024;
const DIR = '.attune-temporal-parameters';

/**
 * The RunSpec fields that grow with what Attune was given (ATTUNE_CONTEXT_* comes from the parameters); when the
 * spec is sealed to its pool's key, the three are `{}` and the sealed blob holds them.
 */
export interface ClaimChecked extends SecretParts {
  sealed?: SealedParts | null;
}

/** Byte size of the JSON that would otherwise ride in the payload. */
export const claimCheckSize = (value: ClaimChecked) => Buffer.byteLength(JSON.stringify(value));

export async function writeClaimCheck(artifactsDir: string, executionId: number, value: ClaimChecked, codec: EncryptionCodec): Promise<ParametersRef> {
  const [encoded] = await codec.encode([defaultPayloadConverter.toPayload(value)]);
  const bytes = Buffer.from(temporal.api.common.v1.Payload.encode(encoded!).finish());
  const dir = path.join(artifactsDir, DIR);
  await mkdir(dir, { recursive: true, mode: 0o2775 });
  const relative = path.join(DIR, `${executionId}-${randomBytes(8).toString('hex')}.bin`);
  // Exclusive create: never written through a file or link someone planted. Readable by the agents' group;
  // the content is ciphertext, opened only with the codec key (and, when sealed, the pool's key).
  await writeFile(path.join(artifactsDir, relative), bytes, { flag: 'wx', mode: 0o640 });
  return { v: 1, path: relative, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export async function readClaimCheck(artifactsDir: string, ref: ParametersRef, codec: EncryptionCodec): Promise<ClaimChecked> {
  const file = path.resolve(artifactsDir, ref.path);
  if (path.dirname(file) !== path.resolve(artifactsDir, DIR)) throw new Error(`Parameters reference ${ref.path} points outside the parameters directory`);
  const bytes = await readFile(file);
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== ref.sha256 || bytes.length !== ref.bytes) throw new Error(`Parameters file ${ref.path} is not the one the bridge wrote (size or SHA-256 differ)`);
  const [decoded] = await codec.decode([temporal.api.common.v1.Payload.decode(bytes)]);
  const value = defaultPayloadConverter.fromPayload<ClaimChecked>(decoded!);
  return { parameters: value.parameters ?? {}, executionEnv: value.executionEnv ?? {}, contextEnv: value.contextEnv ?? {}, ...(value.sealed ? { sealed: value.sealed } : {}) };
}

/** Removes the execution's claim-check files (after its final report); missing ones are fine. */
export async function removeClaimChecks(artifactsDir: string, executionId: number): Promise<void> {
  const dir = path.join(artifactsDir, DIR);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  await Promise.all(names.filter((n) => n.startsWith(`${executionId}-`)).map((n) => rm(path.join(dir, n), { force: true })));
}
