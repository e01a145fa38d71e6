import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CuttableProxy } from '../helpers/cuttable-proxy';
import { eventually, freePort, TestDeployment } from '../helpers/deployment';
import { SERVICES } from '../helpers/services';

/**
 * The bridge heals its own AMQP side: a lost connection is re-opened in process (topology re-declared,
 * consumers re-attached), and a consumer the broker cancelled is re-attached — no exit, no supervisor.
 */
describe('AMQP recovery', () => {
  let d: TestDeployment;
  let proxy: CuttableProxy;
  beforeAll(async () => {
    d = await new TestDeployment().setup();
    proxy = new CuttableProxy(await freePort(), new URL(SERVICES.amqpUrl).host);
    await proxy.up();
    await d.bridge!.stop();
    const viaProxy = new URL(SERVICES.amqpUrl);
    viaProxy.port = String(proxy.port);
    d.startBridge({ ATTUNE__MESSAGE_QUEUE__URL: viaProxy.toString() });
    await d.waitForBridge();
  });
  afterAll(async () => {
    await d.teardown();
    await proxy.cut();
  });

  const bridgeLog = () => readFileSync(path.join(d.dir, 'bridge.log'), 'utf8');
  const readiness = () => fetch(`http://127.0.0.1:${d.httpPort}/readyz`).then(async (r) => ({ status: r.status, body: (await r.json()) as { dependencies: { amqp: { up: boolean } } } }));

  it('a lost connection: not ready while it is down, reconnected in process, dispatches run again', async () => {
    const pid = d.bridge!.pid;
    await proxy.cut();
    await eventually(async () => ((await readiness()).body.dependencies.amqp.up ? undefined : true), 20_000, 'readiness to show AMQP down');
    expect((await readiness()).status).toBe(503);
    await proxy.up();
    await eventually(async () => (/AMQP reconnected/.test(bridgeLog()) ? true : undefined), 60_000, 'the bridge to reconnect');
    await d.waitForBridge();
    const id = await d.dispatch('tests.ok_json', { after: 'reconnect' });
    expect((await d.waitForCompletion(id)).status).toBe('completed');
    expect(d.bridge!.pid).toBe(pid);
    expect(d.bridge!.child.exitCode).toBeNull();
  });

  it('a consumer the broker cancelled (its queue deleted) is re-attached, the queue re-declared', async () => {
    await d.deleteQueue(`worker.${d.workerId}.executions`);
    await eventually(async () => (/consumer re-attached/.test(bridgeLog()) ? true : undefined), 30_000, 'the consumer to be re-attached');
    const id = await d.dispatch('tests.ok_json', { after: 'cancelled consumer' });
    expect((await d.waitForCompletion(id)).status).toBe('completed');
  });
});
