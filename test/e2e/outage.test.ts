import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROUTING } from '../../src/attune/topology';
import { eventually, freePort, TestDeployment } from '../helpers/deployment';
import { SERVICES } from '../helpers/services';
import { CuttableProxy } from '../helpers/cuttable-proxy';

/**
 * No outage length loses a dispatch: a delivered dispatch is held unacked while the start is retried in
 * process (a requeued one would keep its TTL and expire), and one that expired in its queue anyway is
 * replayed from our dead-letter queue.
 */

describe('outages', () => {
  let d: TestDeployment;
  beforeAll(async () => {
    d = await new TestDeployment().setup();
  });
  afterAll(() => d.teardown());

  const bridgeLog = () => readFileSync(path.join(d.dir, 'bridge.log'), 'utf8');

  it('a dispatch that expired in its queue while no bridge consumed it is replayed and runs exactly once', async () => {
    await d.bridge!.stop();
    const id = await d.createExecution('tests.ok_json', { n: 1 });
    // A 200 ms per-message TTL stands in for the queue's 5 minutes: the broker dead-letters it through attune.dlx.
    await d.publish(ROUTING.dispatch(d.workerId), d.dispatchEnvelope(id, 'tests.ok_json', { n: 1 }), { expiration: '200' });
    await new Promise((r) => setTimeout(r, 1000));
    d.startBridge();
    const row = await d.waitForCompletion(id);
    expect(row.status).toBe('completed');
    expect(d.runsRecorded().filter((r) => r === String(id))).toHaveLength(1);
    expect(bridgeLog()).toMatch(/expired message replayed to its queue/);
    expect(await d.parked()).toEqual([]);
  });

  it('Temporal unreachable: the delivered dispatch is held unacked (its TTL cannot run out) and runs once Temporal is back', async () => {
    const proxy = new CuttableProxy(await freePort(), SERVICES.temporalAddress);
    await proxy.up();
    await d.bridge!.stop();
    d.startBridge({ TEMPORAL_ADDRESS: `127.0.0.1:${proxy.port}` });
    await d.waitForBridge();
    await proxy.cut();
    const id = await d.createExecution('tests.ok_json', { n: 2 });
    // A 3 s TTL: had the bridge requeued the message (the old nack-and-requeue), it would expire meanwhile.
    await d.publish(ROUTING.dispatch(d.workerId), d.dispatchEnvelope(id, 'tests.ok_json', { n: 2 }), { expiration: '3000' });
    await eventually(async () => (/holding the message and retrying/.test(bridgeLog()) ? true : undefined), 30_000, 'the bridge to hold the dispatch');
    await new Promise((r) => setTimeout(r, 6000));
    expect((await d.row(id)).status).toBe('scheduled');
    await proxy.up();
    const row = await d.waitForCompletion(id);
    expect(row.status).toBe('completed');
    expect(d.runsRecorded().filter((r) => r === String(id))).toHaveLength(1);
    expect(bridgeLog().split('\n').filter((l) => l.includes('expired message replayed'))).toHaveLength(1); // only the first test's
    await d.bridge!.stop();
    await proxy.cut();
    d.startBridge(); // teardown needs a bridge that reaches Temporal to close the agent sessions
    await d.waitForBridge();
  });
});
