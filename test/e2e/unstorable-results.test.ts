import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { AmqpConnection } from '../../bridge/amqp-connection';
import { AttunePublisher } from '../../bridge/publisher';
import { createDataConverter } from '../../src/temporal/data-converter';
import { EncryptionCodec } from '../../src/temporal/payload-codec';
import { WORKFLOW_TYPES, workflowIdForAgentSession } from '../../src/temporal/names';
import type { AgentSessionInput } from '../../src/temporal/contracts';
import { SERVICES } from '../helpers/services';
import { TestDeployment, eventually } from '../helpers/deployment';
import { Lifecycle } from '../../src/lifecycle';

/**
 * Results PostgreSQL or the broker cannot take, and an agent session the bridge cannot decode: each must
 * end in a final row (or a registered pool) promptly instead of being retried for ever.
 */
describe('unstorable results and undecodable sessions', () => {
  const d = new TestDeployment();
  let foreign: { client: Client; connection: Connection; workflowId: string } | null = null;
  const bridgeLog = () => readFileSync(path.join(d.dir, 'bridge.log'), 'utf8');
  const skipWarnings = (workflowId: string) =>
    bridgeLog()
      .split('\n')
      .filter((l) => l.includes('agent session skipped') && l.includes(workflowId)).length;

  beforeAll(async () => {
    await d.setup({ agent: false });
    // Another deployment's agent (another codec key) announcing on the task queue this bridge watches.
    const connection = await Connection.connect({ address: SERVICES.temporalAddress });
    const client = new Client({ connection, namespace: SERVICES.namespace, dataConverter: createDataConverter(new EncryptionCodec([{ id: 'other-deployment', key: Buffer.alloc(32, 42) }])) });
    const agentId = `${d.pool}-foreign.host.deadbeef`;
    const session: AgentSessionInput = {
      v: 1,
      agentId,
      pool: `${d.pool}-foreign`,
      hostname: 'elsewhere',
      startedAt: new Date().toISOString(),
      agentVersion: '0.0.0',
      capabilities: { runtimes: ['shell'], runtime_versions: {}, detected_interpreters: [], labels: {}, max_concurrent_executions: 1 },
    };
    const workflowId = workflowIdForAgentSession(agentId);
    await client.workflow.start(WORKFLOW_TYPES.agentSession, { workflowId, taskQueue: `attune-bridge-${d.id}`, args: [session], memo: { session } });
    foreign = { client, connection, workflowId };
    // Listed (visibility lags a little), then a sync or two of the bridge (every 2 s here) before the real agent starts.
    await eventually(async () => ((await d.temporal.workflow.count(`WorkflowId = '${workflowId}' AND ExecutionStatus = 'Running'`)).count > 0 ? true : undefined), 30_000, 'the foreign session to be listed');
    await new Promise((r) => setTimeout(r, 5_000));
    d.startAgent();
    d.workerId = await d.waitForWorker();
  }, 180_000);

  afterAll(async () => {
    if (foreign) {
      await foreign.client.workflow.getHandle(foreign.workflowId).terminate('test over').catch(() => undefined);
      await foreign.connection.close();
    }
    await d.teardown();
  });

  it('registers the real pool although one session cannot be decoded, warning once for it', async () => {
    const { rows } = await d.db.query<{ status: string; capabilities: { attune_temporal: { agents: number } } }>(`SELECT status, capabilities FROM worker WHERE name = $1`, [d.pool]);
    expect(rows).toMatchObject([{ status: 'active', capabilities: { attune_temporal: { agents: 1 } } }]);
    const { rows: foreignRows } = await d.db.query(`SELECT id FROM worker WHERE name = $1`, [`${d.pool}-foreign`]);
    expect(foreignRows).toEqual([]);
    await new Promise((r) => setTimeout(r, 6_000)); // three more syncs
    expect(skipWarnings(foreign!.workflowId)).toBe(1);
    expect(bridgeLog()).toContain('unknown codec key id \\"other-deployment\\"');
    expect(bridgeLog()).not.toContain('pool sync failed');
  });

  it('stores stdout with a NUL byte, the NUL replaced by U+FFFD', async () => {
    const id = await d.dispatch('tests.nul_stdout');
    const row = await d.waitForCompletion(id, 30_000);
    expect(row.status).toBe('completed');
    expect(row.result).toMatchObject({ succeeded: true, exit_code: 0, stdout: 'a\ufffdb' });
    expect(d.messagesFor(id, 'ExecutionCompleted')[0]!.payload).toMatchObject({ status: 'completed', result: { stdout: 'a\ufffdb' } });
  });

  it('stores JSON output with \\u0000 and a lone surrogate, each replaced by U+FFFD (keys too)', async () => {
    const id = await d.dispatch('tests.poison_json');
    const row = await d.waitForCompletion(id, 30_000);
    expect(row.status).toBe('completed');
    expect(row.result!.data).toEqual({ x: '\ufffd', y: '\ufffd', 'k\ufffd': 'ok \u{1f600}' });
  });

  it('a result too deep to store ends as a minimal failed row saying why', async () => {
    const id = await d.dispatch('tests.deep_json', { depth: 100_000 });
    const row = await d.waitForCompletion(id, 30_000);
    expect(row.status).toBe('failed');
    expect(row.result).toEqual({ succeeded: false, error: 'Result could not be stored: result nested too deeply to serialize (Maximum call stack size exceeded)', exit_code: 0, duration_ms: expect.any(Number) as unknown });
    expect(d.messagesFor(id, 'ExecutionStatusChanged').map((m) => m.payload.new_status)).toEqual(['running', 'failed']);
    expect(d.messagesFor(id, 'ExecutionCompleted')[0]!.payload).toMatchObject({ status: 'failed', result: row.result });
  });

  it('the real broker: its 406 for an oversized message closes the channel once, the stand-in follows', async () => {
    // Our bound set above the broker's limit (RabbitMQ 3.10's default is 128 MiB) so the broker's own check
    // is met: the broker states its limit, the publisher keeps it and fits later messages first.
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (s: string) => lines.push(s) });
    const amqp = await AmqpConnection.open(SERVICES.amqpUrl, log, new Lifecycle(log));
    try {
      const publisher = new AttunePublisher(() => amqp.confirmChannel(), { log, maxMessageBytes: 1024 * 1024 * 1024 });
      const big = { stdout: 'x'.repeat(129 * 1024 * 1024) };
      const ids = [Date.now() * 1000 + 1, Date.now() * 1000 + 2];
      for (const execution_id of ids) {
        await publisher.completed({ execution_id, action_id: 1, action_ref: 'tests.big', status: 'completed', result: big, completed_at: new Date().toISOString() });
      }
      await eventually(async () => (ids.every((id) => d.messagesFor(id, 'ExecutionCompleted').length > 0) ? true : undefined), 30_000, 'both stand-ins');
      for (const id of ids) {
        expect(d.messagesFor(id, 'ExecutionCompleted')).toMatchObject([{ payload: { result: { truncated: true, reason: expect.stringMatching(/over the 134217728-byte message bound/) as unknown } } }]);
      }
      const channelErrors = lines.filter((l) => l.includes('publish channel error'));
      expect(channelErrors).toHaveLength(1);
      expect(channelErrors[0]).toMatch(/message size \d+ is larger than configured max size 134217728/);
    } finally {
      await amqp.close();
    }
  }, 120_000);
});
