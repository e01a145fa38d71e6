import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { claimCheckLargeSpec } from '../../bridge/claim-check-spec';
import { sealRunSpec, sealingSummary } from '../../bridge/seal-spec';
import { CLAIM_CHECK_THRESHOLD_BYTES, readClaimCheck } from '../../src/temporal/claim-check';
import type { PrepareResult, RunSpec } from '../../src/temporal/contracts';
import type { CodecKey } from '../../src/temporal/payload-codec';
import { loadAgentPoolKeys, loadBridgePoolKeys } from '../../src/temporal/pool-keys';
import { openParts, sealParts, SealedPartsError, type SecretParts } from '../../src/temporal/sealed-parts';
import { testCodec } from '../helpers/services';

const keyOf = (id: string, fill: number): CodecKey => ({ id, key: Buffer.alloc(32, fill) });
const entry = (k: CodecKey) => `${k.id}:${k.key.toString('base64')}`;
const A1 = keyOf('a1', 1);
const A2 = keyOf('a2', 2);
const B1 = keyOf('b1', 3);
const SECRET = 'hunter2-s3cr3t';
const parts: SecretParts = { parameters: { password: SECRET, n: 1 }, executionEnv: { E: 'v' }, contextEnv: { ATTUNE_API_TOKEN: 'tok.en.x' } };

describe('sealed run spec parts', () => {
  it('open with the pool key they were sealed with, and hold none of the secret in clear', () => {
    const sealed = sealParts(parts, 42, 'pool-a', [A1]);
    expect(sealed).toMatchObject({ v: 1, pool: 'pool-a', keyId: 'a1' });
    expect(JSON.stringify(sealed)).not.toContain(SECRET);
    expect(Buffer.from(sealed.data, 'base64').includes(Buffer.from(SECRET))).toBe(false);
    expect(openParts(sealed, 42, 'pool-a', [A1])).toEqual(parts);
  });

  it('do not open for another execution, another pool, another key or once altered, and say why without the blob', () => {
    const sealed = sealParts(parts, 42, 'pool-a', [A1]);
    const attempts: [() => unknown, RegExp][] = [
      [() => openParts(sealed, 43, 'pool-a', [A1]), /does not open with pool key "a1": it was sealed for another execution/],
      [() => openParts(sealed, 42, 'pool-b', [B1]), /sealed for pool "pool-a", not for this agent's pool "pool-b"/],
      // The pool field rewritten to the agent's pool: the associated data no longer matches.
      [() => openParts({ ...sealed, pool: 'pool-b' }, 42, 'pool-b', [{ id: 'a1', key: B1.key }]), /does not open/],
      [() => openParts(sealed, 42, 'pool-a', [B1]), /sealed with pool key "a1"; this agent holds "b1"/],
      [() => openParts(sealed, 42, 'pool-a', []), /this agent holds none \(its ATTUNE_AGENT_POOL_KEYS must list the bridge's keys for pool "pool-a"\)/],
      [() => openParts(sealed, 42, 'pool-a', [{ id: 'a1', key: A2.key }]), /does not open with pool key "a1"/],
      [() => openParts({ ...sealed, data: Buffer.from(sealed.data, 'base64').fill(0, 0, 4).toString('base64') }, 42, 'pool-a', [A1]), /altered/],
      [() => openParts({ ...sealed, data: '' }, 42, 'pool-a', [A1]), /does not open/],
    ];
    for (const [attempt, message] of attempts) {
      expect(attempt).toThrow(SealedPartsError);
      expect(attempt).toThrow(message);
      try {
        attempt();
      } catch (err) {
        expect((err as Error).message).not.toContain(sealed.data.slice(0, 12));
        expect((err as Error).message).not.toContain(SECRET);
      }
    }
  });

  it('rotate: the first key seals, every listed key opens by id', () => {
    const old = sealParts(parts, 7, 'pool-a', [A1]);
    const rotated = sealParts(parts, 7, 'pool-a', [A2, A1]);
    expect(rotated.keyId).toBe('a2');
    expect(openParts(old, 7, 'pool-a', [A2, A1])).toEqual(parts);
    expect(openParts(rotated, 7, 'pool-a', [A2, A1])).toEqual(parts);
    expect(() => openParts(rotated, 7, 'pool-a', [A1])).toThrow(/sealed with pool key "a2"; this agent holds "a1"/);
  });

  it('round-trip any parts, and open for no other execution or pool (property)', () => {
    const stringMap = fc.dictionary(fc.string(), fc.string());
    fc.assert(
      fc.property(
        fc.record({ parameters: fc.dictionary(fc.string(), fc.jsonValue()), executionEnv: stringMap, contextEnv: stringMap }),
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.stringMatching(/^[a-z][a-z0-9._-]{0,20}$/),
        (p, executionId, otherId, pool) => {
          const sealed = sealParts(p, executionId, pool, [A1]);
          expect(openParts(sealed, executionId, pool, [A1])).toEqual(JSON.parse(JSON.stringify(p)));
          if (otherId !== executionId) expect(() => openParts(sealed, otherId, pool, [A1])).toThrow(SealedPartsError);
          expect(() => openParts({ ...sealed, pool: `${pool}x` }, executionId, `${pool}x`, [A1])).toThrow(SealedPartsError);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('pool keys settings', () => {
  it('the bridge: pool=id:base64,… entries, the first key of a pool seals', () => {
    const keys = loadBridgePoolKeys({ ATTUNE_TEMPORAL_POOL_KEYS: `pool-a=${entry(A2)},${entry(A1)},pool-b=${entry(B1)}` });
    expect([...keys.keys()]).toEqual(['pool-a', 'pool-b']);
    expect(keys.get('pool-a')).toEqual([A2, A1]);
    expect(keys.get('pool-b')).toEqual([B1]);
    // A pool named again, whitespace and newlines between entries.
    expect(loadBridgePoolKeys({ ATTUNE_TEMPORAL_POOL_KEYS: `pool-a=${entry(A2)}, pool-b=${entry(B1)}\npool-a=${entry(A1)}` })).toEqual(keys);
    expect(loadBridgePoolKeys({}).size).toBe(0);
  });

  it('the bridge: a file of the same format, mode 0600 or stricter', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pool-keys-'));
    const file = path.join(dir, 'keys');
    writeFileSync(file, `pool-a=${entry(A1)}\n`, { mode: 0o600 });
    expect(loadBridgePoolKeys({ ATTUNE_TEMPORAL_POOL_KEYS_FILE: file }).get('pool-a')).toEqual([A1]);
    writeFileSync(path.join(dir, 'open'), `pool-a=${entry(A1)}\n`, { mode: 0o644 });
    expect(() => loadBridgePoolKeys({ ATTUNE_TEMPORAL_POOL_KEYS_FILE: path.join(dir, 'open') })).toThrow('ATTUNE_TEMPORAL_POOL_KEYS_FILE is invalid');
  });

  it.each([
    [`${entry(A1)}`, /expected pool=id:base64,… entries/],
    [`=${entry(A1)}`, /expected pool=id:base64,… entries/],
    [`-pool=${entry(A1)}`, /expected pool=id:base64,… entries/],
    [`pool-a=${entry(A1)},pool/b=${entry(B1)}`, /expected pool=id:base64,… entries/],
    ['pool-a=a1:c2hvcnQ=', /expected id:base64 entries of 32-byte keys/],
    [`pool-a=${entry(A1)},pool-a=${entry(A1)}`, /lists key id "a1" twice/],
  ])('the bridge refuses %s', (text, message) => {
    expect(() => loadBridgePoolKeys({ ATTUNE_TEMPORAL_POOL_KEYS: text })).toThrow(message);
  });

  it('the agent: its own pool\'s keys as id:base64,… (none when unset)', () => {
    expect(loadAgentPoolKeys({ ATTUNE_AGENT_POOL_KEYS: `${entry(A2)},${entry(A1)}` })).toEqual([A2, A1]);
    expect(loadAgentPoolKeys({})).toEqual([]);
    expect(() => loadAgentPoolKeys({ ATTUNE_AGENT_POOL_KEYS: 'a1:short' })).toThrow('ATTUNE_AGENT_POOL_KEYS is invalid');
  });

  it('the start line names the pools that are not sealed', () => {
    expect(sealingSummary(new Map(), ['p1'])).toMatchObject({ level: 'warn', fields: { unsealed: ['p1'] } });
    expect(sealingSummary(new Map([['p1', [A1]]]), ['p1', 'p2'])).toMatchObject({ level: 'warn', fields: { sealed: ['p1'], unsealed: ['p2'] }, message: expect.stringContaining('pools p2 are not sealed') });
    expect(sealingSummary(new Map([['p1', [A1]]]), ['p1'])).toMatchObject({ level: 'info', fields: { sealed: ['p1'], unsealed: [] } });
  });
});

describe('sealing a prepared run spec (bridge)', () => {
  const codec = testCodec();
  const artifactsDir = mkdtempSync(path.join(os.tmpdir(), 'sealed-claim-check-'));
  const poolKeys = new Map([['pool-a', [A1]]]);
  const ready = (password: string): PrepareResult => ({
    v: 1,
    kind: 'ready',
    outputFormat: 'json',
    spec: { v: 1, executionId: 42, actionRef: 'p.a', packRef: 'p', parameters: { password }, executionEnv: { E: 'v' }, contextEnv: { ATTUNE_API_TOKEN: 'tok' } } as unknown as RunSpec,
  });

  it('seals the parts of a pool with a key, and leaves a pool without one (or no pool keys) as it was', async () => {
    const out = await sealRunSpec(poolKeys, ready(SECRET), async () => 'pool-a');
    if (out.kind !== 'ready') throw new Error(out.kind);
    expect(out.spec).toMatchObject({ parameters: {}, executionEnv: {}, contextEnv: {}, sealed: { pool: 'pool-a', keyId: 'a1' } });
    expect(JSON.stringify(out)).not.toContain(SECRET);
    expect(JSON.stringify(out)).not.toContain('tok');
    expect(openParts(out.spec.sealed!, 42, 'pool-a', [A1])).toEqual({ parameters: { password: SECRET }, executionEnv: { E: 'v' }, contextEnv: { ATTUNE_API_TOKEN: 'tok' } });
    const other = ready(SECRET);
    await expect(sealRunSpec(poolKeys, other, async () => 'pool-b')).resolves.toBe(other);
    let asked = false;
    await expect(sealRunSpec(new Map(), other, async () => ((asked = true), 'pool-a'))).resolves.toBe(other);
    expect(asked).toBe(false);
  });

  it('a large sealed spec goes to the claim-check file sealed: the codec key alone does not reveal it', async () => {
    const big = `${SECRET}-${'y'.repeat(CLAIM_CHECK_THRESHOLD_BYTES)}`;
    const out = await claimCheckLargeSpec({ artifactsDir, codec }, await sealRunSpec(poolKeys, ready(big), async () => 'pool-a'));
    if (out.kind !== 'ready') throw new Error(out.kind);
    expect(out.spec.sealed).toBeUndefined();
    expect(out.spec.parametersRef).toBeDefined();
    expect(readFileSync(path.join(artifactsDir, out.spec.parametersRef!.path)).includes(Buffer.from(SECRET))).toBe(false);
    const checked = await readClaimCheck(artifactsDir, out.spec.parametersRef!, codec);
    expect(checked).toMatchObject({ parameters: {}, executionEnv: {}, contextEnv: {}, sealed: { pool: 'pool-a', keyId: 'a1' } });
    expect(JSON.stringify(checked)).not.toContain(SECRET);
    expect(() => openParts(checked.sealed!, 42, 'pool-b', [B1])).toThrow(SealedPartsError);
    expect(openParts(checked.sealed!, 42, 'pool-a', [A1]).parameters).toEqual({ password: big });
  });
});
