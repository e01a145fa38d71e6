import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client as PgClient, Pool } from 'pg';
import { Client, Connection } from '@temporalio/client';
import { attuneKeyHash } from '../../src/attune/crypto';
import { newEnvelope } from '../../src/attune/envelope';
import { EXCHANGES, ROUTING } from '../../src/attune/topology';
import { ensureAction, type ActionSeed } from '../../src/demo/sample-pack';
import { deploymentNames } from '../../src/temporal/names';
import { CliProcess } from './processes';
import { SERVICES, TEST_CODEC_KEYS, databaseUrlFor } from './services';

const SCHEMA = readFileSync(path.join(__dirname, '..', 'fixtures', 'attune-schema.sql'), 'utf8');
export const TEST_ATTUNE_ENCRYPTION_KEY = 'attune-test-encryption-key-0123456789abcdef';
export const TEST_JWT_SECRET = 'attune-test-jwt-secret';
export const TEST_CODEC_TOKEN = 'operator-token';
const FIXTURE_PACKS_DIR = path.join(__dirname, '..', 'fixtures', 'packs');

export const TEST_ACTIONS: ActionSeed[] = [
  { ref: 'tests.ok_json', entrypoint: 'ok_json.sh', runtime: 'shell', outputFormat: 'json' },
  { ref: 'tests.fail', entrypoint: 'fail.sh', runtime: 'shell' },
  { ref: 'tests.sleep', entrypoint: 'sleep.sh', runtime: 'shell' },
  { ref: 'tests.big_output', entrypoint: 'big_output.sh', runtime: 'shell' },
  { ref: 'tests.secret_check', entrypoint: 'secret_check.sh', runtime: 'shell', outputFormat: 'json' },
  { ref: 'tests.ignore_term', entrypoint: 'ignore_term.sh', runtime: 'shell' },
  { ref: 'tests.leaves_child', entrypoint: 'leaves_child.sh', runtime: 'shell' },
  { ref: 'tests.noread', entrypoint: 'noread.sh', runtime: 'shell' },
  { ref: 'tests.noread_fail', entrypoint: 'noread_fail.sh', runtime: 'shell' },
  { ref: 'tests.secret_out', entrypoint: 'secret_out.sh', runtime: 'shell', outputFormat: 'json' },
  { ref: 'tests.secret_echo', entrypoint: 'secret_echo.sh', runtime: 'shell' },
  { ref: 'tests.file_dotenv', entrypoint: 'file_dotenv.sh', runtime: 'shell', parameterDelivery: 'file', parameterFormat: 'dotenv' },
  { ref: 'tests.yaml_out', entrypoint: 'yaml_out.sh', runtime: 'shell', outputFormat: 'yaml', parameterFormat: 'yaml' },
  { ref: 'tests.jsonl_out', entrypoint: 'jsonl_out.sh', runtime: 'shell', outputFormat: 'jsonl' },
  { ref: 'tests.inline', entrypoint: 'echo "inline $PARAM_WHO" && echo "$who"', runtime: 'shell' },
  { ref: 'tests.py_echo', entrypoint: 'echo.py', runtime: 'python', outputFormat: 'json' },
  { ref: 'tests.py_where', entrypoint: 'py_where.py', runtime: 'python', outputFormat: 'json' },
  { ref: 'tests.too_new', entrypoint: 'echo.py', runtime: 'python', runtimeVersionConstraint: '>=99' },
  { ref: 'tests.node_echo', entrypoint: 'echo.js', runtime: 'node', outputFormat: 'json' },
  { ref: 'pydeps.uses_six', entrypoint: 'uses_six.py', runtime: 'python', outputFormat: 'json' },
  { ref: 'pydeps.where', entrypoint: 'where.py', runtime: 'python', outputFormat: 'json' },
  { ref: 'tests.nul_stdout', entrypoint: 'nul_stdout.sh', runtime: 'shell' },
  { ref: 'tests.poison_json', entrypoint: 'poison_json.sh', runtime: 'shell', outputFormat: 'json' },
  { ref: 'tests.deep_json', entrypoint: 'deep_json.sh', runtime: 'shell', outputFormat: 'json' },
  { ref: 'tests.nap', entrypoint: 'nap.sh', runtime: 'shell', outputFormat: 'json' },
  { ref: 'tests.param_size', entrypoint: 'param_size.sh', runtime: 'shell', outputFormat: 'json' },
  { ref: 'tests.param_size_file', entrypoint: 'param_size.sh', runtime: 'shell', outputFormat: 'json', parameterDelivery: 'file', parameterFormat: 'json' },
];

/** What Attune's API and executor write before a dispatch: an execution row, `scheduled` on `workerId`. */
export async function insertScheduledExecution(
  db: Pick<Pool, 'query'>,
  actionRef: string,
  config: Record<string, unknown>,
  workerId: number,
  timeoutSeconds: number | null = null,
  traceTag: string | null = null,
): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO execution (action, action_ref, config, status, worker, timeout_seconds, trace_tag)
     SELECT id, ref, $2::jsonb, 'scheduled', $3, $4, $5 FROM action WHERE ref = $1 RETURNING id`,
    [actionRef, JSON.stringify(config), workerId, timeoutSeconds, traceTag],
  );
  return Number(rows[0]!.id);
}

/** The executor's dispatch envelope (published to `execution.dispatch.worker.{id}`), with the row's release pin if it has one. */
export function executorDispatch(
  executionId: number,
  workerId: number,
  actionRef: string,
  config: Record<string, unknown> = {},
  release: { id: number | null; digest: string | null } = { id: null, digest: null },
) {
  return newEnvelope(
    'ExecutionRequested',
    { execution_id: executionId, worker_id: workerId, action_ref: actionRef, config, scheduled_attempt_updated_at: new Date().toISOString(), release_id: release.id, release_digest: release.digest },
    'executor',
  );
}

/** Attune's API's cancel envelope (after it set a running row `canceling`). */
export function apiCancel(executionId: number, workerId: number) {
  return newEnvelope('ExecutionCancelRequested', { execution_id: executionId, worker_id: workerId }, 'api-service');
}

/** What Attune's API may set on a new row besides the action and its config. */
export interface ExecutionOptions {
  timeoutSeconds?: number;
  /** Attune's `trace_tag` column. */
  traceTag?: string;
  /** Scheduled on this worker row (another pool's) instead of the deployment's own pool. */
  workerId?: number;
}

export const TEST_RELEASE_DIGEST = 'ab'.repeat(32);

export interface RetryRowView {
  id: string;
  status: string;
  worker: string | null;
  action: string | null;
  action_ref: string;
  config: Record<string, unknown>;
  retry_count: number;
  max_retries: number | null;
  retry_reason: string | null;
  original_execution: string | null;
  trace_tag: string | null;
  pack_release_digest: string | null;
  executable_snapshot: unknown;
  result: unknown;
}

export interface ExecutionRowView {
  status: string;
  result: Record<string, unknown> | null;
  started_at: Date | null;
}

export interface BusMessage {
  type: string;
  routingKey: string;
  payload: Record<string, unknown>;
  properties: Record<string, unknown>;
}

/**
 * One isolated Attune "deployment" per test file over the real services: its own database (Attune's
 * schema, ids starting at a unique base so workflow ids never collide across runs), its own pool and
 * bridge task queue, a bridge and an agent as real CLI processes, and an observer on the bus.
 */
export class TestDeployment {
  readonly id = randomUUID().slice(0, 8);
  readonly pool = `test-${this.id}`;
  readonly dbName = `attune_test_${this.id}`;
  readonly dir = mkdtempSync(path.join(os.tmpdir(), `attune-e2e-${this.id}-`));
  readonly markerDir = path.join(this.dir, 'markers');
  readonly artifactsDir = path.join(this.dir, 'artifacts');
  /** A private copy of the fixture packs, so a test may change a pack's files. */
  readonly packsDir = path.join(this.dir, 'packs');
  db!: Pool;
  temporal!: Client;
  private mq!: ChannelModel;
  private channel!: ConfirmChannel;
  readonly messages: BusMessage[] = [];
  bridge: CliProcess | null = null;
  agents: CliProcess[] = [];
  workerId = 0;
  httpPort = 0;
  private temporalConnection!: Connection;

  /** `httpPort`: the bridge's HTTP port (a free one by default; a fixed one where a UI expects its codec endpoint). */
  async setup(opts: { agent?: boolean; bridgeEnv?: Record<string, string>; agentEnv?: Record<string, string>; httpPort?: number } = {}): Promise<this> {
    this.httpPort = opts.httpPort ?? (await freePort());
    mkdirSync(this.markerDir, { recursive: true });
    mkdirSync(this.artifactsDir, { recursive: true });
    cpSync(FIXTURE_PACKS_DIR, this.packsDir, { recursive: true });
    const admin = new PgClient({ connectionString: SERVICES.databaseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${this.dbName}`);
    await admin.end();
    this.db = new Pool({ connectionString: databaseUrlFor(this.dbName), options: '-c search_path=attune,public', max: 4 });
    await this.db.query(SCHEMA);
    const base = Date.now() * 1000;
    await this.db.query(`SELECT setval('execution_id_seq', ${base}), setval('worker_id_seq', ${base})`);
    for (const action of TEST_ACTIONS) await ensureAction(this.db, action);

    this.mq = await amqp.connect(SERVICES.amqpUrl);
    this.channel = await this.mq.createConfirmChannel();
    await this.channel.assertExchange(EXCHANGES.executions, 'topic', { durable: true });
    const { queue } = await this.channel.assertQueue('', { exclusive: true, autoDelete: true });
    await this.channel.bindQueue(queue, EXCHANGES.executions, ROUTING.statusChanged);
    await this.channel.bindQueue(queue, EXCHANGES.executions, ROUTING.completed);
    await this.channel.bindQueue(queue, EXCHANGES.executions, ROUTING.requested);
    await this.channel.consume(
      queue,
      (msg) => {
        if (!msg) return;
        const envelope = JSON.parse(msg.content.toString('utf8')) as { message_type: string; payload: Record<string, unknown> };
        this.messages.push({ type: envelope.message_type, routingKey: msg.fields.routingKey, payload: envelope.payload, properties: msg.properties as unknown as Record<string, unknown> });
      },
      { noAck: true },
    );
    this.temporalConnection = await Connection.connect({ address: SERVICES.temporalAddress });
    this.temporal = new Client({ connection: this.temporalConnection, namespace: SERVICES.namespace });

    this.startBridge(opts.bridgeEnv);
    await this.waitForBridge();
    if (opts.agent !== false) {
      this.startAgent(opts.agentEnv);
      this.workerId = await this.waitForWorker();
    }
    return this;
  }

  /** The bridge gets Attune's database, broker and keys; an agent gets none of them. */
  bridgeEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
    return {
      ...this.agentEnv(),
      ATTUNE__DATABASE__URL: databaseUrlFor(this.dbName),
      ATTUNE__MESSAGE_QUEUE__URL: SERVICES.amqpUrl,
      ATTUNE__SECURITY__ENCRYPTION_KEY: TEST_ATTUNE_ENCRYPTION_KEY,
      ATTUNE__SECURITY__JWT_SECRET: TEST_JWT_SECRET,
      ATTUNE_TEMPORAL_HTTP_HOST: '127.0.0.1',
      ATTUNE_TEMPORAL_HTTP_PORT: String(this.httpPort),
      ATTUNE_TEMPORAL_CODEC_TOKENS: TEST_CODEC_TOKEN,
      ...extra,
    };
  }

  /** The machine's environment stands in for the image's (CA settings for pip and npm included). */
  agentEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
    const image = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(ATTUNE_|TEMPORAL_|PG|AMQP_)/.test(k)));
    return {
      ...image,
      TEMPORAL_ADDRESS: SERVICES.temporalAddress,
      TEMPORAL_NAMESPACE: SERVICES.namespace,
      ATTUNE_TEMPORAL_BRIDGE_QUEUE: `attune-bridge-${this.id}`,
      ATTUNE_TEMPORAL_PARKING_QUEUE: `attune-temporal.parked.${this.id}`,
      ATTUNE_TEMPORAL_POOL_SYNC_SECONDS: '2',
      ATTUNE_WORKER_NAME: this.pool,
      ATTUNE__PACKS_BASE_DIR: this.packsDir,
      ATTUNE__ARTIFACTS_DIR: this.artifactsDir,
      ATTUNE__RUNTIME_ENVS_DIR: path.join(this.dir, 'runtime_envs'),
      MARKER_DIR: this.markerDir,
      ATTUNE_TEMPORAL_CODEC_KEYS: TEST_CODEC_KEYS,
      // The host's agent stands in for a container's agent of its own uid (the rootfs tests use the default).
      ATTUNE_AGENT_ACTION_USER: 'same',
      ...extra,
    };
  }

  startBridge(extra: Record<string, string> = {}): CliProcess {
    this.bridge = new CliProcess(['bridge'], this.bridgeEnv(extra), path.join(this.dir, 'bridge.log'));
    return this.bridge;
  }

  /** `privateArtifacts`: the agent sees its own empty artifacts dir (a tmpfs in a private mount namespace). */
  startAgent(extra: Record<string, string> = {}, opts: { privateArtifacts?: boolean } = {}): CliProcess {
    const wrap = opts.privateArtifacts
      ? ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs tmpfs '${this.artifactsDir}' && exec "$@"`, 'sh']
      : [];
    const agent = new CliProcess(['agent'], this.agentEnv(extra), path.join(this.dir, `agent-${this.agents.length}.log`), wrap);
    this.agents.push(agent);
    return agent;
  }

  /** The bridge answers on its HTTP port once it is consuming and hosting workflows. */
  async waitForBridge(timeoutMs = 60_000): Promise<void> {
    await eventually(
      async () => (await fetch(`http://127.0.0.1:${this.httpPort}/readyz`).then((r) => r.ok, () => false)) || undefined,
      timeoutMs,
      'bridge /readyz',
    );
  }

  /** The active worker row of `pool` (the deployment's own by default; another one an agent was started for). */
  async waitForWorker(timeoutMs = 60_000, pool = this.pool): Promise<number> {
    return eventually(async () => {
      const { rows } = await this.db.query<{ id: string }>(
        `SELECT id FROM worker WHERE name = $1 AND status = 'active' AND last_heartbeat > NOW() - INTERVAL '90 seconds'`,
        [pool],
      );
      return rows[0] ? Number(rows[0].id) : undefined;
    }, timeoutMs, `worker row for pool ${pool}`);
  }

  /** Creates an execution as Attune's API does and schedules it on our worker, without dispatching. */
  async createExecution(actionRef: string, config: Record<string, unknown> = {}, opts: ExecutionOptions = {}): Promise<number> {
    return insertScheduledExecution(this.db, actionRef, config, opts.workerId ?? this.workerId, opts.timeoutSeconds ?? null, opts.traceTag ?? null);
  }

  dispatchEnvelope(executionId: number, actionRef: string, config: Record<string, unknown> = {}, workerId = this.workerId) {
    return executorDispatch(executionId, workerId, actionRef, config);
  }

  async publish(routingKey: string, body: Buffer | object, options: { expiration?: string } = {}): Promise<void> {
    const content = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    this.channel.publish(EXCHANGES.executions, routingKey, content, { persistent: true, contentType: 'application/json', ...options });
    await this.channel.waitForConfirms();
  }

  /** The executor's dispatch, published to `execution.dispatch.worker.{id}`. */
  async dispatch(actionRef: string, config: Record<string, unknown> = {}, opts: ExecutionOptions = {}): Promise<number> {
    const executionId = await this.createExecution(actionRef, config, opts);
    await this.publish(ROUTING.dispatch(this.workerId), this.dispatchEnvelope(executionId, actionRef, config));
    return executionId;
  }

  /** Binds a private queue to `exchange` with `routingKey` (as another consumer of it would) and collects what arrives. */
  async observe(exchange: string, routingKey: string): Promise<{ body: string; headers: Record<string, unknown> }[]> {
    const seen: { body: string; headers: Record<string, unknown> }[] = [];
    const { queue } = await this.channel.assertQueue('', { exclusive: true, autoDelete: true });
    await this.channel.bindQueue(queue, exchange, routingKey);
    await this.channel.consume(queue, (msg) => msg && seen.push({ body: msg.content.toString('utf8'), headers: msg.properties.headers ?? {} }), { noAck: true });
    return seen;
  }

  /** How many consumers the broker counts on a queue. */
  async consumerCount(name: string): Promise<number> {
    return (await this.channel.checkQueue(name)).consumerCount;
  }

  /** Deletes a queue on the broker (as an operator or a failover would): its consumers are cancelled by the broker. */
  async deleteQueue(name: string): Promise<void> {
    await this.channel.deleteQueue(name);
  }

  /**
   * Pins an execution to a release, as Attune pins every execution it creates today (a digest and a snapshot; the
   * snapshot names no action, so the action row is used): a retry is only made of a pinned execution.
   */
  async pinRelease(executionId: number, digest = TEST_RELEASE_DIGEST): Promise<void> {
    await this.db.query(`UPDATE execution SET pack_release_digest = $2, executable_snapshot = '{"executable": {}}'::jsonb WHERE id = $1`, [executionId, digest]);
  }

  /** The executor's dispatch of an execution already created (and pinned with `digest`). */
  async dispatchExisting(executionId: number, actionRef: string, digest: string | null = TEST_RELEASE_DIGEST): Promise<void> {
    await this.publish(ROUTING.dispatch(this.workerId), executorDispatch(executionId, this.workerId, actionRef, {}, { id: null, digest }));
  }

  /**
   * A secret parameter as Attune stores one (`execution_secret_value`, entity `execution_config`, keystore source):
   * `encryptedValue` at `jsonPath` of the execution's config, with the hash of the key it was encrypted with.
   */
  async addSecretParameter(executionId: number, jsonPath: string, encryptedValue: string, keyHash = attuneKeyHash(TEST_ATTUNE_ENCRYPTION_KEY)): Promise<void> {
    await this.db.query(
      `INSERT INTO execution_secret_value (entity_type, entity_id, json_path, source_kind, encrypted_value, encryption_key_hash)
       VALUES ('execution_config', $1, $2, 'keystore', to_jsonb($3::text), $4)`,
      [executionId, jsonPath, encryptedValue, keyHash],
    );
  }

  /** The retries made of an execution (`config.retry_of`), as Attune stores them. */
  async retriesOf(originalId: number): Promise<RetryRowView[]> {
    const { rows } = await this.db.query<RetryRowView>(
      `SELECT id, status, worker, action, action_ref, config, retry_count, max_retries, retry_reason, original_execution, trace_tag, pack_release_digest, executable_snapshot, result
         FROM execution WHERE config->'retry_of' = to_jsonb($1::bigint) ORDER BY id`,
      [originalId],
    );
    return rows;
  }

  /**
   * What Attune's scheduler does with a `requested` row (an ExecutionRequested on `execution.requested`): claims it
   * for our worker (`scheduled`) and publishes the dispatch, with the row's release pin.
   */
  async schedule(executionId: number): Promise<void> {
    const { rows } = await this.db.query<{ action_ref: string; config: Record<string, unknown> | null; pack_release: string | null; pack_release_digest: string | null }>(
      `UPDATE execution SET status = 'scheduled', worker = $2, updated = NOW() WHERE id = $1 AND status = 'requested'
       RETURNING action_ref, config, pack_release, pack_release_digest`,
      [executionId, this.workerId],
    );
    const row = rows[0];
    if (!row) throw new Error(`execution ${executionId} is not requested`);
    const release = { id: row.pack_release === null ? null : Number(row.pack_release), digest: row.pack_release_digest };
    await this.publish(ROUTING.dispatch(this.workerId), executorDispatch(executionId, this.workerId, row.action_ref, row.config ?? {}, release));
  }

  /** What Attune's API does to cancel: `canceling` for a running row, then the cancel message. */
  async cancel(executionId: number): Promise<void> {
    await this.db.query(`UPDATE execution SET status = 'canceling' WHERE id = $1 AND status = 'running'`, [executionId]);
    await this.publish(ROUTING.cancel(this.workerId), apiCancel(executionId, this.workerId));
  }

  async row(executionId: number): Promise<ExecutionRowView> {
    const { rows } = await this.db.query<ExecutionRowView>(`SELECT status, result, started_at FROM execution WHERE id = $1`, [executionId]);
    return rows[0]!;
  }

  messagesFor(executionId: number, type?: string): BusMessage[] {
    return this.messages.filter((m) => m.payload.execution_id === executionId && (!type || m.type === type));
  }

  /** Waits for ExecutionCompleted on the bus, then returns the row. */
  async waitForCompletion(executionId: number, timeoutMs = 90_000) {
    await eventually(async () => (this.messagesFor(executionId, 'ExecutionCompleted').length > 0 ? true : undefined), timeoutMs, `ExecutionCompleted for ${executionId}`);
    return this.row(executionId);
  }

  async waitForStatus(executionId: number, status: string, timeoutMs = 60_000): Promise<void> {
    await eventually(async () => ((await this.row(executionId)).status === status ? true : undefined), timeoutMs, `execution ${executionId} ${status}`);
  }

  runsRecorded(): string[] {
    try {
      return readFileSync(path.join(this.markerDir, 'runs'), 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  }

  async parked(): Promise<{ reason: string; body: string }[]> {
    const out: { reason: string; body: string }[] = [];
    const queue = `attune-temporal.parked.${this.id}`;
    for (;;) {
      const msg = await this.channel.get(queue, { noAck: true });
      if (!msg) return out;
      out.push({ reason: String((msg.properties.headers as Record<string, unknown>)['x-parked-reason']), body: msg.content.toString('utf8') });
    }
  }

  /** The execution's workflow id in this deployment (its bridge queue names it). */
  workflowId(executionId: number): string {
    return deploymentNames(`attune-bridge-${this.id}`).executionWorkflowId(executionId);
  }

  async history(executionId: number) {
    return this.temporal.workflow.getHandle(this.workflowId(executionId)).fetchHistory();
  }

  /** With RECORD_HISTORIES=1, saves the execution's workflow history as a replay fixture (test/fixtures/histories). */
  async recordHistory(executionId: number, name: string): Promise<void> {
    await this.recordWorkflowHistory(this.workflowId(executionId), name);
  }

  /** The same for any workflow (an agent session). */
  async recordWorkflowHistory(workflowId: string, name: string): Promise<void> {
    if (!process.env.RECORD_HISTORIES) return;
    // The CLI writes the canonical JSON form that Worker.runReplayHistory reads back.
    const cache = process.env.ATTUNE_TEMPORAL_CACHE ?? '/var/cache/attune-temporal';
    const cli = [`${cache}/bin/temporal`, `${cache}/venv/bin/temporal`].find((p) => existsSync(p));
    if (!cli) throw new Error('temporal CLI not found in the cache; run scripts/services.sh up');
    const json = execFileSync(cli, ['workflow', 'show', '--workflow-id', workflowId, '--address', SERVICES.temporalAddress, '--namespace', SERVICES.namespace, '--output', 'json']);
    writeFileSync(path.join(__dirname, '..', 'fixtures', 'histories', `${name}.json`), json);
  }

  /**
   * Agents first, then the bridge once this deployment's workflows have closed (each session's last step,
   * the pool re-sync, runs on the bridge): stopping both at once left every session Running for ever.
   */
  async teardown(): Promise<void> {
    await Promise.all(this.agents.map((a) => a.stop()));
    if (this.bridge && this.temporal) {
      // Sessions, and executions whose last workflow task is still due (e.g. on a replaced bridge's sticky queue), or
      // whose agent a test killed: those end "agent lost" after the heartbeat timeout and the re-attach wait (~35 s).
      const query = `TaskQueue="attune-bridge-${this.id}" AND ExecutionStatus="Running"`;
      await eventually(async () => ((await this.temporal.workflow.count(query)).count === 0 ? true : undefined), 60_000, 'workflows of this deployment to close').catch(() => undefined);
    }
    await this.bridge?.stop();
    for (const q of [`attune-temporal.parked.${this.id}`, `attune-temporal.parked.${this.id}.dead-letters`, ...['executions', 'cancel', 'packs', 'packtests'].map((k) => `worker.${this.workerId}.${k}`)]) {
      await this.channel?.deleteQueue(q).catch(() => undefined);
    }
    await this.mq?.close().catch(() => undefined);
    await this.temporalConnection?.close();
    await this.db?.end();
    const admin = new PgClient({ connectionString: SERVICES.databaseUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${this.dbName} WITH (FORCE)`);
    await admin.end();
    if (!process.env.KEEP_TEST_DIRS) rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
