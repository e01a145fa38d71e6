import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { claimCheckLargeSpec } from '../../bridge/claim-check-spec';
import { readClaimCheck, removeClaimChecks, CLAIM_CHECK_THRESHOLD_BYTES } from '../../src/temporal/claim-check';
import type { PrepareResult, RunSpec } from '../../src/temporal/contracts';
import { testCodec } from '../helpers/services';

const codec = testCodec();

function ready(parameters: Record<string, unknown>): PrepareResult {
  const spec = { v: 1, executionId: 42, actionRef: 'p.a', packRef: 'p', parameters, executionEnv: { E: 'v' }, contextEnv: { ATTUNE_EXEC_ID: '42' } } as unknown as RunSpec;
  return { v: 1, kind: 'ready', spec, outputFormat: 'json' };
}

describe('claim-check of a run spec', () => {
  const artifactsDir = mkdtempSync(path.join(os.tmpdir(), 'claim-check-'));

  it('leaves a small spec as it is', async () => {
    const small = ready({ who: 'world' });
    await expect(claimCheckLargeSpec({ artifactsDir, codec }, small)).resolves.toBe(small);
  });

  it('moves large parameters, execution env and context env into an encrypted file the agent reads back', async () => {
    const secret = 'hunter2-' + 'y'.repeat(CLAIM_CHECK_THRESHOLD_BYTES);
    const out = await claimCheckLargeSpec({ artifactsDir, codec }, ready({ password: secret }));
    if (out.kind !== 'ready') throw new Error(out.kind);
    expect(out.spec.parameters).toEqual({});
    expect(out.spec.executionEnv).toEqual({});
    expect(out.spec.contextEnv).toEqual({});
    const ref = out.spec.parametersRef!;
    expect(ref.path).toMatch(/^\.attune-temporal-parameters\/42-[0-9a-f]{16}\.bin$/);
    // Encrypted at rest: the secret is not in the file.
    const raw = readFileSync(path.join(artifactsDir, ref.path));
    expect(raw.includes(Buffer.from('hunter2'))).toBe(false);
    await expect(readClaimCheck(artifactsDir, ref, codec)).resolves.toEqual({ parameters: { password: secret }, executionEnv: { E: 'v' }, contextEnv: { ATTUNE_EXEC_ID: '42' } });
  });

  it('refuses a file that is not the one the bridge wrote, and a reference outside its directory', async () => {
    const out = await claimCheckLargeSpec({ artifactsDir, codec }, ready({ big: 'z'.repeat(CLAIM_CHECK_THRESHOLD_BYTES) }));
    if (out.kind !== 'ready') throw new Error(out.kind);
    const ref = out.spec.parametersRef!;
    writeFileSync(path.join(artifactsDir, ref.path), 'tampered');
    await expect(readClaimCheck(artifactsDir, ref, codec)).rejects.toThrow(/is not the one the bridge wrote/);
    await expect(readClaimCheck(artifactsDir, { ...ref, path: '../../etc/passwd' }, codec)).rejects.toThrow(/outside the parameters directory/);
  });

  it('fails the execution with the sizes when they exceed the bound', async () => {
    const out = await claimCheckLargeSpec({ artifactsDir, codec, maxBytes: CLAIM_CHECK_THRESHOLD_BYTES * 2 }, ready({ big: 'z'.repeat(CLAIM_CHECK_THRESHOLD_BYTES * 3) }));
    expect(out).toEqual({ v: 1, kind: 'invalid', markRunningFirst: true, error: 'Execution 42 parameters and environment are 0.8 MiB; at most 0.5 MiB can be delivered to an action' });
  });

  it('fails the execution when the spec is still too large without its parameters (a huge inline entrypoint)', async () => {
    const big = ready({ who: 'x' });
    if (big.kind !== 'ready') throw new Error(big.kind);
    big.spec.entrypoint = 'echo hi\n'.repeat(200_000);
    await expect(claimCheckLargeSpec({ artifactsDir, codec }, big)).resolves.toEqual({
      v: 1,
      kind: 'invalid',
      markRunningFirst: true,
      error: "Execution 42 cannot be run: its action's entrypoint and runtime configuration are 1.7 MiB, over the 1 MiB a run spec may take",
    });
  });

  it('removes the execution\'s files after its report, and only its', async () => {
    await removeClaimChecks(artifactsDir, 42);
    expect(readdirSync(path.join(artifactsDir, '.attune-temporal-parameters')).filter((f) => f.startsWith('42-'))).toEqual([]);
  });
});
