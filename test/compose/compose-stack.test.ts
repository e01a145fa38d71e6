import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Pool } from 'pg';
import { EXCHANGES, ROUTING } from '../../src/attune/topology';
import { ensureAction, type ActionSeed } from '../../src/demo/sample-pack';
import { apiCancel, eventually, executorDispatch, insertScheduledExecution } from '../helpers/deployment';
import { decodeAll, temporalCli } from '../helpers/history-payloads';
import { TERMINAL_STATUSES, type ExecutionStatus } from '../../src/attune/status';
import { candidatesFor, type WorkerRow } from './capability-match';

/**
 * The real docker/compose.yaml, started by scripts/test-compose.sh with local stand-in images: executions go in
 * through the stack's own RabbitMQ and PostgreSQL as Attune's executor would send them, and come out as rows.
 */
const env = Object.fromEntries(
  readFileSync(process.env.COMPOSE_TEST_ENV_FILE!, 'utf8')
    .split('\n')
    .filter((l) => l.includes('='))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
) as Record<string, string>;
const composeArgs = JSON.parse(process.env.COMPOSE_TEST_ARGS!) as string[];
const POOLS = ['shell-pool', 'python-pool', 'ruby-pool', 'node-pool'];

function compose(...args: string[]): string {
  return execFileSync(composeArgs[0]!, [...composeArgs.slice(1), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });
}

const ACTIONS: ActionSeed[] = [
  { ref: 'demo.hello', entrypoint: 'hello.sh', runtime: 'shell', outputFormat: 'json' },
  { ref: 'demo.echo', entrypoint: 'echo.py', runtime: 'python', outputFormat: 'json' },
  { ref: 'demo.echo_ruby', entrypoint: 'echo.rb', runtime: 'ruby', outputFormat: 'json' },
  { ref: 'demo.echo_node', entrypoint: 'echo.js', runtime: 'node', outputFormat: 'json' },
  { ref: 'demo.nap', entrypoint: 'nap.sh', runtime: 'shell', outputFormat: 'json' },
];

describe('the Compose stack (docker/compose.yaml)', () => {
  let db: Pool;
  let broker: ChannelModel;
  let channel: ConfirmChannel;

  beforeAll(async () => {
    db = new Pool({ connectionString: `postgres://attune:${env.POSTGRES_PASSWORD}@127.0.0.1:${env.PUBLISH_POSTGRES_PORT}/attune`, max: 2 });
    broker = await amqp.connect(`amqp://attune:${env.RABBITMQ_PASSWORD}@127.0.0.1:${env.PUBLISH_RABBITMQ_PORT}`);
    channel = await broker.createConfirmChannel();
    for (const seed of ACTIONS) await ensureAction(db, seed);
    // Every agent service has registered its pool: one worker row each, active, with a fresh heartbeat.
    await eventually(async () => ((await workers()).length === POOLS.length ? true : undefined), 120_000, `worker rows of ${POOLS.join(', ')}`);
  }, 150_000);

  afterAll(async () => {
    await broker?.close();
    await db?.end();
  });

  async function workers(): Promise<WorkerRow[]> {
    const { rows } = await db.query<WorkerRow>(
      `SELECT id, name, capabilities FROM worker
       WHERE worker_role = 'action' AND status = 'active' AND last_heartbeat > now() - interval '90 seconds' AND name = ANY($1)
       ORDER BY name`,
      [POOLS],
    );
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  }

  async function publish(routingKey: string, envelope: object): Promise<void> {
    channel.publish(EXCHANGES.executions, routingKey, Buffer.from(JSON.stringify(envelope)), { persistent: true, contentType: 'application/json' });
    await channel.waitForConfirms();
  }

  /** What Attune's executor does once it has chosen a worker: the row `scheduled` on it, then the dispatch. */
  async function dispatch(actionRef: string, workerId: number, config: Record<string, unknown> = {}): Promise<number> {
    const id = await insertScheduledExecution(db, actionRef, config, workerId);
    await publish(ROUTING.dispatch(workerId), executorDispatch(id, workerId, actionRef, config));
    return id;
  }

  /** The workers Attune's scheduler could send the action to. */
  async function candidates(actionRef: string): Promise<WorkerRow[]> {
    const { rows } = await db.query<{ name: string; aliases: string[] }>(
      `SELECT r.name, r.aliases FROM action a JOIN runtime r ON r.id = a.runtime WHERE a.ref = $1`,
      [actionRef],
    );
    return candidatesFor(rows[0]!, await workers());
  }

  async function row(id: number) {
    const { rows } = await db.query<{ status: ExecutionStatus; result: Record<string, unknown> | null; worker: string }>(`SELECT status, result, worker FROM execution WHERE id = $1`, [id]);
    return rows[0]!;
  }

  async function final(id: number, timeoutMs = 120_000) {
    return eventually(async () => {
      const r = await row(id);
      return TERMINAL_STATUSES.includes(r.status) ? r : undefined;
    }, timeoutMs, `execution ${id} in a final status`);
  }

  it.each([
    ['shell', 'demo.hello', 'shell-pool', { name: 'compose' }, (data: Record<string, unknown>) => expect(data.greeting).toBe('hello, compose')],
    ['python', 'demo.echo', 'python-pool', { n: 1 }, (data: Record<string, unknown>) => expect(data).toMatchObject({ echo: { n: 1 }, python: expect.stringMatching(/^3\./) })],
    ['ruby', 'demo.echo_ruby', 'ruby-pool', { n: 2 }, (data: Record<string, unknown>) => expect(data).toMatchObject({ echo: { n: 2 }, ruby: expect.stringMatching(/^3\./) })],
    ['node', 'demo.echo_node', 'node-pool', { n: 3 }, (data: Record<string, unknown>) => expect(data).toMatchObject({ echo: { n: 3 }, node: expect.stringMatching(/^22\./) })],
  ])('a %s action goes to an agent whose image has the runtime, and ends completed', async (runtime, ref, pool, params, check) => {
    const matching = (await candidates(ref)).map((w) => w.name);
    // Every image has a shell; each of the other runtimes is in exactly one image.
    if (runtime === 'shell') expect(matching).toContain(pool);
    else expect(matching).toEqual([pool]);
    const worker = (await workers()).find((w) => w.name === pool)!;
    const id = await dispatch(ref, worker.id, params);
    const r = await final(id);
    expect(r.status).toBe('completed');
    expect(Number(r.worker)).toBe(worker.id);
    check(r.result!.data as Record<string, unknown>);
  });

  it('a cancel of a running execution ends it canceled', async () => {
    const worker = (await workers()).find((w) => w.name === 'shell-pool')!;
    const id = await dispatch('demo.nap', worker.id, { seconds: 120 });
    await eventually(async () => ((await row(id)).status === 'running' ? true : undefined), 60_000, 'running');
    await db.query(`UPDATE execution SET status = 'canceling' WHERE id = $1 AND status = 'running'`, [id]);
    await publish(ROUTING.cancel(worker.id), apiCancel(id, worker.id));
    expect((await final(id, 60_000)).status).toBe('cancelled');
  });

  it('`docker compose stop` of an agent mid-action drains it: the action finishes and is reported', async () => {
    const worker = (await workers()).find((w) => w.name === 'python-pool')!;
    const id = await dispatch('demo.nap', worker.id, { seconds: 6 });
    await eventually(async () => ((await row(id)).status === 'running' ? true : undefined), 60_000, 'running');
    compose('stop', 'agent-python'); // SIGTERM, then up to stop_grace_period (60 s) before SIGKILL
    const r = await final(id, 30_000);
    expect(r.status).toBe('completed');
    expect(r.result!.data).toEqual({ slept: 6 });
    // It exited by itself once drained (0), not killed at the end of the grace period (137).
    const container = compose('ps', '-aq', 'agent-python').trim();
    expect(execFileSync('docker', ['inspect', '--format', '{{.State.ExitCode}}', container], { encoding: 'utf8' }).trim()).toBe('0');
    compose('start', 'agent-python');
  });

  it('`docker compose kill` of the bridge loses nothing: a running execution and one dispatched while it is down complete after its restart', async () => {
    const worker = (await workers()).find((w) => w.name === 'shell-pool')!;
    const running = await dispatch('demo.nap', worker.id, { seconds: 5 });
    await eventually(async () => ((await row(running)).status === 'running' ? true : undefined), 60_000, 'running');
    compose('kill', 'bridge');
    const whileDown = await dispatch('demo.hello', worker.id, { name: 'while the bridge was down' });
    compose('start', 'bridge');
    expect((await final(running)).status).toBe('completed');
    const r = await final(whileDown);
    expect(r.status).toBe('completed');
    expect((r.result!.data as Record<string, unknown>).greeting).toBe('hello, while the bridge was down');
  });

  it('the Temporal UI answers on its published port with the codec endpoint set, and that endpoint decodes the payloads', async () => {
    const ui = `http://127.0.0.1:${env.PUBLISH_TEMPORAL_UI_PORT}`;
    expect((await fetch(ui)).status).toBe(200);
    const settings = (await (await fetch(`${ui}/api/v1/settings`)).json()) as { Codec?: { Endpoint?: string } };
    const endpoint = settings.Codec?.Endpoint;
    expect(endpoint).toBe(`http://127.0.0.1:${env.ATTUNE_TEMPORAL_HTTP_PORT}/codec/${env.ATTUNE_TEMPORAL_CODEC_TOKEN}`);
    // The browser's preflight from the UI's origin, then what the UI posts.
    const preflight = await fetch(`${endpoint}/decode`, { method: 'OPTIONS', headers: { origin: ui, 'access-control-request-method': 'POST' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ui);
    const worker = (await workers()).find((w) => w.name === 'shell-pool')!;
    const name = `ui-${Date.now()}`;
    const id = await dispatch('demo.hello', worker.id, { name });
    expect((await final(id)).status).toBe('completed');
    const history = JSON.parse(
      execFileSync(temporalCli(), ['workflow', 'show', '--workflow-id', `attune-execution-${id}`, '--address', `127.0.0.1:${env.PUBLISH_TEMPORAL_PORT}`, '--output', 'json'], { encoding: 'utf8' }),
    ) as unknown;
    expect(JSON.stringify(history)).not.toContain(name); // encrypted at rest
    const decoded = (await decodeAll(`${endpoint}/decode`, history, { origin: ui })).join('\n');
    expect(decoded).toContain(name);
  });
});
