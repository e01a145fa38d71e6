import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliProcess } from '../helpers/processes';
import { eventually, freePort, TestDeployment } from '../helpers/deployment';

/**
 * One lifecycle for the bridge: dependencies unreachable at start are waited for (not ready, but alive),
 * a stop during that wait is clean, a taken port ends the start at once; once up, /readyz names each
 * dependency.
 */
describe('bridge lifecycle', () => {
  let d: TestDeployment;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'attune-lifecycle-'));
  let deadPort = 0;

  beforeAll(async () => {
    d = await new TestDeployment().setup({ agent: false });
    deadPort = await freePort(); // nothing listens there: connections are refused
  });
  afterAll(async () => {
    await d.teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  const readyz = (port: number) => fetch(`http://127.0.0.1:${port}/readyz`).then(async (r) => ({ status: r.status, body: (await r.json()) as { dependencies: Record<string, { up: boolean }> } }));
  const livez = (port: number) => fetch(`http://127.0.0.1:${port}/livez`).then((r) => r.status);

  it('a running bridge is ready: every dependency up', async () => {
    const answer = await readyz(d.httpPort);
    expect(answer.status).toBe(200);
    expect(Object.entries(answer.body.dependencies).map(([k, v]) => `${k}:${v.up}`).sort()).toEqual(['amqp:true', 'postgres:true', 'started:true', 'temporal:true']);
    expect(await livez(d.httpPort)).toBe(200);
  });

  it.each([
    ['PostgreSQL', () => ({ ATTUNE__DATABASE__URL: `postgres://postgres@127.0.0.1:${deadPort}/attune` }), 'postgres'],
    ['RabbitMQ', () => ({ ATTUNE__MESSAGE_QUEUE__URL: `amqp://guest:guest@127.0.0.1:${deadPort}` }), 'amqp'],
    ['Temporal', () => ({ TEMPORAL_ADDRESS: `127.0.0.1:${deadPort}` }), 'temporal'],
  ])('%s unreachable at start: alive, not ready, retrying; SIGTERM stops it cleanly', async (_name, env, dependency) => {
    const port = await freePort();
    const log = path.join(dir, `bridge-${dependency}.log`);
    const bridge = new CliProcess(['bridge'], d.bridgeEnv({ ...env(), ATTUNE_TEMPORAL_HTTP_PORT: String(port) }), log);
    try {
      const answer = await eventually(() => readyz(port).catch(() => undefined), 20_000, 'the bridge to answer /readyz');
      expect(answer.status).toBe(503);
      expect(answer.body.dependencies[dependency]?.up).toBe(false);
      expect(await livez(port)).toBe(200);
      await eventually(async () => (/is not reachable yet; retrying/.test(readFileSync(log, 'utf8')) ? true : undefined), 20_000, 'a retry in the log');
    } finally {
      expect(await bridge.stop('SIGTERM', 10_000)).toEqual({ code: 0, signal: null });
    }
  });

  it('a taken HTTP port ends the start at once, non-zero, with one clear line', async () => {
    const log = path.join(dir, 'bridge-port.log');
    const bridge = new CliProcess(['bridge'], d.bridgeEnv({ ATTUNE_TEMPORAL_HTTP_PORT: String(d.httpPort) }), log);
    const exited = await Promise.race([bridge.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 15_000))]);
    if (exited === null) await bridge.stop('SIGKILL');
    expect(exited).toEqual({ code: 1, signal: null });
    expect(readFileSync(log, 'utf8')).toContain(`cannot listen on 127.0.0.1:${d.httpPort}: EADDRINUSE`);
  });
});
