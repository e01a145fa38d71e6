import { readFileSync } from 'node:fs';
import path from 'node:path';
import { eventually, TestDeployment } from '../helpers/deployment';

/**
 * Channels are a broker-wide budget (4 per attached pool): a pool with no live agent, no open execution and no
 * change for ATTUNE_TEMPORAL_POOL_DETACH_SECONDS is detached — its consumers stop, its durable queues stay — and
 * it is attached again when an agent of it appears.
 */
describe('pool detach', () => {
  const d = new TestDeployment();
  beforeAll(() => d.setup({ bridgeEnv: { ATTUNE_TEMPORAL_POOL_DETACH_SECONDS: '3' } }), 120_000);
  afterAll(() => d.teardown());

  const bridgeLog = () => readFileSync(path.join(d.dir, 'bridge.log'), 'utf8');
  const queues = () => ['executions', 'cancel', 'packs', 'packtests'].map((k) => `worker.${d.workerId}.${k}`);
  const consumers = async () => Promise.all(queues().map((q) => d.consumerCount(q)));

  it('detaches an idle pool once its last agent is gone, and attaches it again when an agent comes back', async () => {
    expect(await consumers()).toEqual([1, 1, 1, 1]);
    const id = await d.dispatch('tests.ok_json', { before: 'detach' });
    expect((await d.waitForCompletion(id)).status).toBe('completed');

    await d.agents[0]!.stop();
    await eventually(async () => (/idle pool detached/.test(bridgeLog()) ? true : undefined), 60_000, 'the pool to be detached');
    expect(await consumers()).toEqual([0, 0, 0, 0]);
    const { rows } = await d.db.query<{ status: string }>(`SELECT status FROM worker WHERE id = $1`, [d.workerId]);
    expect(rows[0]!.status).toBe('inactive');

    d.startAgent();
    expect(await d.waitForWorker()).toBe(d.workerId);
    await eventually(async () => ((await consumers()).every((n) => n === 1) ? true : undefined), 30_000, 'consumers again');
    const after = await d.dispatch('tests.ok_json', { after: 'reattach' });
    expect((await d.waitForCompletion(after)).status).toBe('completed');
  }, 180_000);
});
