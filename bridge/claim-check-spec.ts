import type { PrepareResult, RunSpec } from '../src/temporal/contracts';
import { CLAIM_CHECK_THRESHOLD_BYTES, MAX_CLAIM_CHECK_BYTES, claimCheckSize, writeClaimCheck } from '../src/temporal/claim-check';
import type { EncryptionCodec } from '../src/temporal/payload-codec';

const MiB = 1024 * 1024;
/**
 * What a run spec may still weigh once its parameters left: Temporal refuses payloads over 2 MB, and a workflow
 * task carrying one is failed by the server. A spec still above this (a huge inline entrypoint or runtime
 * configuration) fails the execution before it runs, with a clear error, instead.
 */
export const MAX_SPEC_BYTES = 1 * MiB;

/**
 * A ready RunSpec whose parameters, execution env and context env (or their sealed blob, a third larger) together
 * exceed the claim-check threshold leaves them in an encrypted file on the artifacts volume and carries only the
 * reference; above the bound the execution is invalid (it fails before it runs, with the sizes in the error). Small
 * specs pass unchanged.
 */
export async function claimCheckLargeSpec(deps: { artifactsDir: string; codec: EncryptionCodec; maxBytes?: number }, prepared: PrepareResult): Promise<PrepareResult> {
  const maxBytes = deps.maxBytes ?? MAX_CLAIM_CHECK_BYTES;
  if (prepared.kind !== 'ready') return prepared;
  const { spec } = prepared;
  const { sealed, ...rest } = spec;
  const large = { parameters: spec.parameters, executionEnv: spec.executionEnv, contextEnv: spec.contextEnv, ...(sealed ? { sealed } : {}) };
  const size = claimCheckSize(large);
  if (size <= CLAIM_CHECK_THRESHOLD_BYTES) return withinSpecLimit(prepared);
  if (size > maxBytes) {
    return { v: 1, kind: 'invalid', markRunningFirst: true, error: `Execution ${spec.executionId} parameters and environment are ${(size / MiB).toFixed(1)} MiB; at most ${(maxBytes / MiB).toFixed(maxBytes % MiB === 0 ? 0 : 1)} MiB can be delivered to an action` };
  }
  const ref = await writeClaimCheck(deps.artifactsDir, spec.executionId, large, deps.codec);
  const checked: RunSpec = { ...rest, parameters: {}, executionEnv: {}, contextEnv: {}, parametersRef: ref };
  return withinSpecLimit({ ...prepared, spec: checked });
}

function withinSpecLimit(prepared: PrepareResult & { kind: 'ready' }): PrepareResult {
  const bytes = Buffer.byteLength(JSON.stringify(prepared.spec));
  if (bytes <= MAX_SPEC_BYTES) return prepared;
  return {
    v: 1,
    kind: 'invalid',
    markRunningFirst: true,
    error: `Execution ${prepared.spec.executionId} cannot be run: its action's entrypoint and runtime configuration are ${(bytes / MiB).toFixed(1)} MiB, over the ${MAX_SPEC_BYTES / MiB} MiB a run spec may take`,
  };
}
