import { EventEmitter } from 'node:events';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConfirmChannel } from 'amqplib';
import type { Pool } from 'pg';
import pino from 'pino';
import { completeExecution } from '../../bridge/complete-execution';
import { AttunePublisher } from '../../bridge/publisher';
import { executionLogPaths } from '../../src/attune/artifact-layout';
import { attuneKeyHash, decryptAttuneJson } from '../../src/attune/crypto';
import type { CompleteInput, LogSummary, OutputFormat } from '../../src/temporal/contracts';

/**
 * The report path against a fake database and a fake broker channel: what is written and published when
 * the result cannot be stored (by PostgreSQL's rules or the broker's size limit).
 */
const pgError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'ERROR' });

class FakeDb {
  writes: { status: string; result: unknown }[] = [];
  secrets: unknown[][] = [];
  constructor(
    private readonly reject: (result: string) => Error | null = () => null,
    private readonly parameterSecretPaths: string[] = [],
  ) {}
  query = async (text: string, params: unknown[] = []) => {
    if (text.includes('out_schema')) return { rows: [{ out_schema: null }] };
    if (text.includes("entity_type = 'execution_config'")) return { rows: this.parameterSecretPaths.map((json_path) => ({ json_path })) };
    if (text.includes('INSERT INTO execution_secret_value')) {
      this.secrets.push(params);
      return { rows: [] };
    }
    if (text.includes('UPDATE execution')) {
      const json = params[2] as string;
      const err = this.reject(json);
      if (err) throw err;
      this.writes.push({ status: params[1] as string, result: JSON.parse(json) });
      return { rows: [{ previous_status: 'running', action: 3, action_ref: 'tests.x' }] };
    }
    throw new Error(`unexpected query ${text}`);
  };
  asPool = () => this as unknown as Pool;
}

/**
 * A confirm channel that the broker closes with its 406 when a message is over `broker.max`, as RabbitMQ
 * does: the close comes after the publish, and every message not yet confirmed on it is lost with it.
 */
class FakeChannel extends EventEmitter {
  closed = false;
  private readonly unconfirmed = new Set<(err: unknown) => void>();
  constructor(private readonly broker: FakeBroker) {
    super();
  }
  publish(_exchange: string, routingKey: string, content: Buffer, _options: unknown, cb: (err: unknown) => void): boolean {
    if (this.closed) throw new Error('Channel closed');
    this.unconfirmed.add(cb);
    if (content.length > this.broker.max) {
      this.broker.rejections++;
      const text = `PRECONDITION_FAILED - message size ${content.length} is larger than configured max size ${this.broker.max}`;
      setImmediate(() => {
        this.closed = true;
        this.emit('error', Object.assign(new Error(`Channel closed by server: 406 (PRECONDITION-FAILED) with message "${text}"`), { code: 406 }));
        for (const pending of this.unconfirmed) pending(new Error('channel closed'));
        this.unconfirmed.clear();
        this.emit('close');
      });
      return true;
    }
    setImmediate(() => {
      if (!this.unconfirmed.delete(cb)) return; // lost with the channel
      this.broker.sent.push({ routingKey, envelope: JSON.parse(content.toString('utf8')) as { message_type: string; payload: Record<string, unknown> } });
      cb(null);
    });
    return true;
  }
}

class FakeBroker {
  sent: { routingKey: string; envelope: { message_type: string; payload: Record<string, unknown> } }[] = [];
  rejections = 0;
  channels = 0;
  private current: FakeChannel | null = null;
  constructor(readonly max = 128 * 1024 * 1024) {}
  channel = async () => {
    if (!this.current || this.current.closed) {
      this.current = new FakeChannel(this);
      this.current.on('error', () => undefined);
      this.channels++;
    }
    return this.current as unknown as ConfirmChannel;
  };
  payloads = (type: string) => this.sent.filter((m) => m.envelope.message_type === type).map((m) => m.envelope.payload);
}

describe('completeExecution when the result cannot be stored', () => {
  const artifactsDir = mkdtempSync(path.join(os.tmpdir(), 'complete-execution-'));
  afterAll(() => rmSync(artifactsDir, { recursive: true, force: true }));
  const log = pino({ level: 'silent' });
  let nextId = 1;

  /** Writes the action's stdout where the bridge reads it and returns the report input for it. */
  function ranWith(stdout: string | Buffer, outputFormat: OutputFormat = 'text'): CompleteInput {
    const executionId = nextId++;
    const paths = executionLogPaths(artifactsDir, executionId);
    mkdirSync(paths.dir, { recursive: true });
    const bytes = Buffer.isBuffer(stdout) ? stdout : Buffer.from(stdout);
    writeFileSync(paths.stdout, bytes);
    const summary: LogSummary = { path: paths.stdout, totalBytes: bytes.length, fileBytes: bytes.length, truncated: false, bytesTruncated: 0, sha256: createHash('sha256').update(bytes).digest('hex'), tail: '' };
    return { v: 1, executionId, outputFormat, failure: null, outcome: { v: 1, kind: 'exited', exitCode: 0, durationMs: 12, stdout: summary, stderr: null, error: null, agentId: 'a-1' } };
  }

  const deps = (db: FakeDb, broker: FakeBroker, maxMessageBytes?: number) => ({
    db: db.asPool(),
    publisher: new AttunePublisher(broker.channel, { log, maxMessageBytes }),
    log,
    encryptionKey: undefined,
    artifactsDir,
  });

  it('redacts the stdout of an execution with secret parameters from the row and the bus, storing it encrypted', async () => {
    const db = new FakeDb(undefined, ['/password']);
    const broker = new FakeBroker();
    const key = 'unit-test-encryption-key-0123456789abcdef';
    const input = ranWith('using hunter2\n');
    await completeExecution({ ...deps(db, broker), encryptionKey: key }, input);
    const marker = { $attune_secret: true, redacted: true };
    expect(db.writes.map((w) => w.result)).toEqual([{ succeeded: true, exit_code: 0, duration_ms: 12, stdout: marker }]);
    expect(broker.payloads('ExecutionCompleted').map((p) => p.result)).toEqual(db.writes.map((w) => w.result));
    expect(db.secrets).toHaveLength(1);
    const [executionId, jsonPath, sourceKind, sourceRef, encrypted, keyHash] = db.secrets[0]!;
    expect([executionId, jsonPath, sourceKind, keyHash]).toEqual([input.executionId, '/stdout', 'provenance', attuneKeyHash(key)]);
    expect(JSON.parse(sourceRef as string)).toEqual({ origins: [{ kind: 'entity', entity_type: 'execution_config', entity_id: input.executionId, path: '/password' }], templates: [] });
    expect(decryptAttuneJson(encrypted as string, key)).toBe('using hunter2\n');
  });

  it('writes NUL and lone surrogates as U+FFFD instead of failing the write', async () => {
    const db = new FakeDb((json) => (json.includes('\\u0000') ? pgError('22P05', 'unsupported Unicode escape sequence') : null));
    const broker = new FakeBroker();
    const text = await completeExecution(deps(db, broker), ranWith(Buffer.from('a\0b\n')));
    const json = await completeExecution(deps(db, broker), ranWith('{"x":"\\u0000","y":"\\ud800","z\\u0000":1}', 'json'));
    expect(text).toMatchObject({ applied: true, status: 'completed' });
    expect(json).toMatchObject({ applied: true, status: 'completed' });
    expect(db.writes.map((w) => w.result)).toEqual([
      { succeeded: true, exit_code: 0, duration_ms: 12, stdout: 'a\ufffdb\n' },
      { succeeded: true, exit_code: 0, duration_ms: 12, data: { x: '\ufffd', y: '\ufffd', 'z\ufffd': 1 } },
    ]);
    expect(broker.payloads('ExecutionCompleted').map((p) => p.result)).toEqual(db.writes.map((w) => w.result));
  });

  it('writes a minimal failed row and publishes it when PostgreSQL rejects the result for good', async () => {
    const db = new FakeDb((json) => (json.includes('poison') ? pgError('22P02', 'invalid input syntax for type json') : null));
    const broker = new FakeBroker();
    const input = ranWith('poison\n');
    const done = await completeExecution(deps(db, broker), input);
    const minimal = { succeeded: false, error: 'Result could not be stored: invalid input syntax for type json [SQLSTATE 22P02]', exit_code: 0, duration_ms: 12 };
    expect(done).toEqual({ v: 1, applied: true, status: 'failed', previousStatus: 'running', reapplied: false });
    expect(db.writes).toEqual([{ status: 'failed', result: minimal }]);
    expect(broker.payloads('ExecutionStatusChanged')).toMatchObject([{ execution_id: input.executionId, previous_status: 'running', new_status: 'failed' }]);
    expect(broker.payloads('ExecutionCompleted')).toMatchObject([{ execution_id: input.executionId, status: 'failed', result: minimal }]);
  });

  it('writes the minimal row too when the result is nested too deeply to serialize', async () => {
    const db = new FakeDb();
    const broker = new FakeBroker();
    const input = ranWith('['.repeat(100_000) + ']'.repeat(100_000), 'json');
    await expect(completeExecution(deps(db, broker), input)).resolves.toMatchObject({ applied: true, status: 'failed' });
    expect(db.writes).toEqual([{ status: 'failed', result: { succeeded: false, error: 'Result could not be stored: result nested too deeply to serialize (Maximum call stack size exceeded)', exit_code: 0, duration_ms: 12 } }]);
  });

  it('leaves a transient fault to Temporal: rethrown, nothing written or published', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    for (const err of [pgError('08006', 'connection failure'), pgError('40P01', 'deadlock detected'), refused, new Error('Connection terminated unexpectedly')]) {
      const db = new FakeDb(() => err);
      const broker = new FakeBroker();
      await expect(completeExecution(deps(db, broker), ranWith('ok\n'))).rejects.toBe(err);
      expect(db.writes).toEqual([]);
      expect(broker.sent).toEqual([]);
    }
  });

  it('publishes a stand-in result when ExecutionCompleted is over the bound; the row keeps the whole result', async () => {
    const db = new FakeDb();
    const broker = new FakeBroker();
    const input = ranWith('y'.repeat(64 * 1024));
    await completeExecution(deps(db, broker, 16 * 1024), input);
    expect((db.writes[0]!.result as { stdout: string }).stdout).toHaveLength(64 * 1024);
    const [completed] = broker.payloads('ExecutionCompleted');
    expect(completed).toMatchObject({ execution_id: input.executionId, status: 'completed', result: { truncated: true, reason: expect.stringMatching(/^ExecutionCompleted is \d+ bytes, over the 16384-byte message bound/) as unknown } });
    expect(broker.rejections).toBe(0);
  });

  it('a broker with a smaller limit closes the channel once: the stand-in follows, later messages fit first', async () => {
    const db = new FakeDb();
    const broker = new FakeBroker(32 * 1024);
    const first = ranWith('z'.repeat(48 * 1024));
    await completeExecution(deps(db, broker), first); // our bound (16 MiB) is above the broker's
    const publisher = new AttunePublisher(broker.channel, { log });
    const d = { ...deps(db, broker), publisher };
    const second = ranWith('z'.repeat(48 * 1024));
    const third = ranWith('z'.repeat(48 * 1024));
    await completeExecution(d, second);
    await completeExecution(d, third);
    // One 406 per publisher (each bridge learns the broker's limit once), never one per message.
    expect(broker.rejections).toBe(2);
    expect(broker.payloads('ExecutionCompleted').map((p) => [p.execution_id, (p.result as { truncated?: boolean }).truncated])).toEqual([
      [first.executionId, true],
      [second.executionId, true],
      [third.executionId, true],
    ]);
    expect(broker.payloads('ExecutionStatusChanged')).toHaveLength(3);
  });

  it('rethrows a 406 caused by another message on the shared channel (ours was small): a retry sends it again', async () => {
    const broker = new FakeBroker(1024);
    const publisher = new AttunePublisher(broker.channel, { log });
    const big = publisher.completed({ execution_id: 1, action_id: 1, action_ref: 'a.b', status: 'completed', result: { stdout: 'q'.repeat(4096) }, completed_at: 'now' });
    const small = publisher.completed({ execution_id: 2, action_id: 1, action_ref: 'a.b', status: 'completed', result: { ok: true }, completed_at: 'now' });
    const [bigSent, smallSent] = await Promise.allSettled([big, small]);
    expect(bigSent.status).toBe('fulfilled');
    expect(smallSent).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/406/) as unknown } });
    expect(broker.payloads('ExecutionCompleted').map((p) => p.execution_id)).toEqual([1]);
  });
});
