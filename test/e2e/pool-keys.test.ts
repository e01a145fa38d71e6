import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { CodecKey } from '../../src/temporal/payload-codec';
import type { SealedParts } from '../../src/temporal/contracts';
import { openParts, SealedPartsError } from '../../src/temporal/sealed-parts';
import { decryptAttuneJson } from '../../src/attune/crypto';
import { TestDeployment, TEST_ATTUNE_ENCRYPTION_KEY, eventually } from '../helpers/deployment';
import { decodeHistoryWith } from '../helpers/history-payloads';
import { testCodec } from '../helpers/services';

const vectors = JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'vectors', 'attune-crypto.json'), 'utf8')) as {
  vectors: { value: unknown; encrypted_value: string }[];
};
const SECRET = 's3cr3t-p@ss';
const KiB = 1024;
const keyOf = (id: string, fill: number): CodecKey => ({ id, key: Buffer.alloc(32, fill) });
const entry = (k: CodecKey) => `${k.id}:${k.key.toString('base64')}`;
const KEY_A = keyOf('a1', 11);
const KEY_B = keyOf('b1', 22);

/** The sealed blobs among decoded payloads (the run specs of prepareExecution's result and runAction's input). */
function sealedIn(texts: string[]): SealedParts[] {
  const found: SealedParts[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (o.sealed && typeof o.sealed === 'object') found.push(o.sealed as SealedParts);
      Object.values(o).forEach(walk);
    }
  };
  for (const text of texts) {
    try {
      walk(JSON.parse(text));
    } catch {
      // not JSON (a binary payload): holds no run spec
    }
  }
  return found;
}

/**
 * Two pools with their own keys: each pool's secret parameters and API tokens are sealed to its key, so an agent's
 * keys (the shared codec key plus its own pool's) open its own pool's run specs and no other pool's.
 */
describe('per-pool keys', () => {
  const d = new TestDeployment();
  const poolB = `${d.pool}-b`;
  const codec = testCodec();
  let workerB = 0;
  let identity = '';
  beforeAll(async () => {
    await d.setup({ bridgeEnv: { ATTUNE_TEMPORAL_POOL_KEYS: `${d.pool}=${entry(KEY_A)},${poolB}=${entry(KEY_B)}` }, agentEnv: { ATTUNE_AGENT_POOL_KEYS: entry(KEY_A) } });
    d.startAgent({ ATTUNE_WORKER_NAME: poolB, ATTUNE_AGENT_POOL_KEYS: entry(KEY_B) });
    workerB = await d.waitForWorker(60_000, poolB);
    identity = (await d.db.query<{ id: string }>(`INSERT INTO identity (login) VALUES ('operator') RETURNING id`)).rows[0]!.id;
  }, 180_000);
  afterAll(() => d.teardown());

  /** A secret parameter and an API token (permission sets), as Attune's API stores them; `padding` bytes besides. */
  async function secretExecution(workerId: number, padding: number): Promise<number> {
    const vector = vectors.vectors.find((v) => v.value === SECRET)!;
    const id = await d.createExecution('tests.secret_check', { user: 'svc', password: { $attune_secret: true, redacted: true }, padding: 'p'.repeat(padding) }, { workerId });
    await d.addSecretParameter(id, '/password', vector.encrypted_value);
    await d.db.query(`UPDATE execution SET permission_set_refs = '{ops}', executor = $2 WHERE id = $1`, [id, identity]);
    await d.publish(`execution.dispatch.worker.${workerId}`, d.dispatchEnvelope(id, 'tests.secret_check', {}, workerId));
    return id;
  }

  async function receivedBy(id: number): Promise<{ secret: string; token: string }> {
    await eventually(async () => (existsSync(`${d.markerDir}/token.${id}`) ? true : undefined), 5000, 'markers');
    return { secret: readFileSync(`${d.markerDir}/secret.${id}`, 'utf8'), token: readFileSync(`${d.markerDir}/token.${id}`, 'utf8') };
  }

  it.each([
    ['inline', 0],
    ['claim-checked', 300 * KiB],
  ])('pool A: the secret and the token reach its action (%s); pool B\'s keys do not reveal them in its history', async (how, padding) => {
    const id = await secretExecution(d.workerId, padding);
    const row = await d.waitForCompletion(id, 120_000);
    expect(row.status).toBe('completed');
    const { secret, token } = await receivedBy(id);
    expect(secret).toBe(SECRET);
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())).toMatchObject({ sub: identity, login: `execution:${id}`, token_type: 'execution' });

    // What an agent of pool B (or an action that stole its keys) reads of pool A's history: every payload opens with
    // the shared codec key, and the run spec's secret-bearing parts stay sealed to pool A's key.
    const texts = await decodeHistoryWith(codec, await d.history(id));
    const all = texts.join('\n');
    expect(all).toContain('tests.secret_check'); // the codec key did open the payloads
    for (const leak of [SECRET, Buffer.from(SECRET).toString('base64'), token, token.split('.')[1]!]) expect(all).not.toContain(leak);
    const sealed = sealedIn(texts);
    if (how === 'inline') {
      expect(sealed.length).toBeGreaterThan(0);
      for (const blob of sealed) {
        expect(blob).toMatchObject({ pool: d.pool, keyId: 'a1' });
        expect(() => openParts(blob, id, poolB, [KEY_B])).toThrow(SealedPartsError);
        expect(() => openParts(blob, id, d.pool, [{ id: 'a1', key: KEY_B.key }])).toThrow(SealedPartsError);
        // Pool A's key does open it (so the checks above can fail): the secret and the token are in there.
        const opened = openParts(blob, id, d.pool, [KEY_A]);
        expect(opened.parameters.password).toBe(SECRET);
        expect(opened.contextEnv.ATTUNE_API_TOKEN).toBe(token);
      }
    } else {
      expect(sealed).toEqual([]);
      expect(all).toContain('.attune-temporal-parameters/');
      const dir = path.join(d.artifactsDir, '.attune-temporal-parameters');
      expect(existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith(`${id}-`)) : []).toEqual([]);
    }
  }, 150_000);

  it("pool B: its own key opens its run spec, and pool A's keys do not", async () => {
    const id = await secretExecution(workerB, 0);
    expect((await d.waitForCompletion(id, 120_000)).status).toBe('completed');
    expect((await receivedBy(id)).secret).toBe(SECRET);
    const sealed = sealedIn(await decodeHistoryWith(codec, await d.history(id)));
    expect(sealed.length).toBeGreaterThan(0);
    for (const blob of sealed) {
      expect(blob).toMatchObject({ pool: poolB, keyId: 'b1' });
      expect(() => openParts(blob, id, d.pool, [KEY_A])).toThrow(SealedPartsError);
    }
  }, 150_000);

  it("an agent without its pool's key fails the execution with a clear error, stays up, and logs none of the blob", async () => {
    await d.agents[1]!.stop();
    const wrong = d.startAgent({ ATTUNE_WORKER_NAME: poolB, ATTUNE_AGENT_POOL_KEYS: entry(KEY_A) });
    await d.waitForWorker(60_000, poolB);
    for (const padding of [0, 300 * KiB]) {
      const id = await secretExecution(workerB, padding);
      const row = await d.waitForCompletion(id, 120_000);
      expect(row.status).toBe('failed');
      // The execution has secret parameters, so its error is stored encrypted and redacted from the row (as Attune does).
      expect(row.result).toMatchObject({ error: { $attune_secret: true, redacted: true } });
      const stored = await d.db.query<{ encrypted_value: string }>(`SELECT encrypted_value FROM execution_secret_value WHERE entity_type = 'execution_result' AND entity_id = $1 AND json_path = '/error'`, [id]);
      expect(decryptAttuneJson(stored.rows[0]!.encrypted_value, TEST_ATTUNE_ENCRYPTION_KEY)).toBe(
        `Action execution failed: Internal error: Parameters could not be read: the run spec is sealed with pool key "b1"; this agent holds "a1" (its ATTUNE_AGENT_POOL_KEYS must list the bridge's keys for pool "${poolB}")`,
      );
      expect(existsSync(`${d.markerDir}/secret.${id}`)).toBe(false);
      const blobs = sealedIn(await decodeHistoryWith(codec, await d.history(id)));
      for (const log of [`agent-${d.agents.length - 1}.log`, 'bridge.log']) {
        const text = readFileSync(path.join(d.dir, log), 'utf8');
        expect(text).not.toContain(SECRET);
        for (const blob of blobs) expect(text).not.toContain(blob.data.slice(0, 24));
      }
    }
    expect(() => process.kill(wrong.pid, 0)).not.toThrow();
  }, 300_000);

  it('the bridge says at start which pools are sealed, and warns about a pool it has no key for', async () => {
    const lines = () => readFileSync(path.join(d.dir, 'bridge.log'), 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines().filter((l) => String(l.msg).startsWith('run specs are sealed'))).toEqual([expect.objectContaining({ sealed: [d.pool, poolB], unsealed: [] })]);
    const unkeyed = `${d.pool}-c`;
    const agent = d.startAgent({ ATTUNE_WORKER_NAME: unkeyed });
    await d.waitForWorker(60_000, unkeyed);
    const warning = 'pool has no key in ATTUNE_TEMPORAL_POOL_KEYS: its run specs are not sealed';
    await eventually(async () => (lines().some((l) => l.pool === unkeyed && l.msg === warning) ? true : undefined), 10_000, 'the warning');
    await agent.stop();
  }, 300_000);
});
