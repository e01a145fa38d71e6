import type { PrepareResult, RunSpec } from '../src/temporal/contracts';
import { CLAIM_CHECK_THRESHOLD_BYTES, MAX_CLAIM_CHECK_BYTES, claimCheckSize, writeClaimCheck } from '../src/temporal/claim-check';
import type { EncryptionCodec } from '../src/temporal/payload-codec';

const MiB = 1024 * 1024;

/**
 * A ready RunSpec whose parameters, execution env and context env together exceed the claim-check threshold
 * leaves them in an encrypted file on the artifacts volume and carries only the reference; above the bound the
 * execution is invalid (it fails before it runs, with the sizes in the error). Small specs pass unchanged.
 */
export async function claimCheckLargeSpec(deps: { artifactsDir: string; codec: EncryptionCodec; maxBytes?: number }, prepared: PrepareResult): Promise<PrepareResult> {
  const maxBytes = deps.maxBytes ?? MAX_CLAIM_CHECK_BYTES;
  if (prepared.kind !== 'ready') return prepared;
  const { spec } = prepared;
  const large = { parameters: spec.parameters, executionEnv: spec.executionEnv, contextEnv: spec.contextEnv };
  const size = claimCheckSize(large);
  if (size <= CLAIM_CHECK_THRESHOLD_BYTES) return prepared;
  if (size > maxBytes) {
    return { v: 1, kind: 'invalid', error: `Execution ${spec.executionId} parameters and environment are ${(size / MiB).toFixed(1)} MiB; at most ${(maxBytes / MiB).toFixed(maxBytes % MiB === 0 ? 0 : 1)} MiB can be delivered to an action` };
  }
  const ref = await writeClaimCheck(deps.artifactsDir, spec.executionId, large, deps.codec);
  const checked: RunSpec = { ...spec, parameters: {}, executionEnv: {}, contextEnv: {}, parametersRef: ref };
  return { ...prepared, spec: checked };
}
