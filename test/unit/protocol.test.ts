import { decodeEnvelope, newEnvelope } from '../../src/attune/envelope';
import { executionDispatchSchema, payloadOf } from '../../src/attune/messages';
import { workerQueues } from '../../src/attune/topology';
import { loadAgentConfig, loadBridgeConfig } from '../../src/config';
import { ConfigError } from '../../src/errors';

describe('Attune protocol', () => {
  it('declares the per-worker queues with exactly Attune\'s names, arguments and prefetch', () => {
    const q = workerQueues(42, 10);
    expect(q.executions).toMatchObject({
      name: 'worker.42.executions',
      arguments: { 'x-dead-letter-exchange': 'attune.dlx', 'x-message-ttl': 300000 },
      bindings: [{ exchange: 'attune.executions', routingKey: 'execution.dispatch.worker.42' }],
      prefetch: 12,
    });
    expect(q.cancel).toMatchObject({ name: 'worker.42.cancel', arguments: { 'x-dead-letter-exchange': 'attune.dlx' }, prefetch: 10 });
    expect(q.packs.bindings).toEqual([
      { exchange: 'attune.events', routingKey: 'pack.registered' },
      { exchange: 'attune.events', routingKey: 'pack.deleted' },
    ]);
    expect(q.packtests).toMatchObject({ name: 'worker.42.packtests', prefetch: 1, bindings: [{ exchange: 'attune.executions', routingKey: 'pack.test.dispatch.worker.42' }] });
  });

  it('decodes leniently like serde: unknown fields ignored, missing ids generated, timestamp required', () => {
    const env = decodeEnvelope(Buffer.from(JSON.stringify({ message_type: 'ExecutionRequested', timestamp: '2026-10-07T10:15:30.123456789Z', payload: { execution_id: 1, worker_id: 2, action_ref: 'a.b', extra: 1 }, other: true })));
    expect(env.message_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(env.headers).toEqual({ retry_count: 0 });
    expect(payloadOf(env, executionDispatchSchema)).toMatchObject({ execution_id: 1, release_id: null, release_digest: null });
    expect(() => decodeEnvelope(Buffer.from('{"message_type":"X","payload":{}}'))).toThrow(/timestamp/);
    expect(() => decodeEnvelope(Buffer.from('nope'))).toThrow(/not JSON/);
  });

  it('builds fresh envelopes with correlation_id = message_id and version 1.0', () => {
    const env = newEnvelope('ExecutionCompleted', { x: 1 }, 'worker');
    expect(env.correlation_id).toBe(env.message_id);
    expect(env).toMatchObject({ version: '1.0', headers: { retry_count: 0, source_service: 'worker' } });
    expect(new Date(env.timestamp).toISOString()).toBe(env.timestamp);
  });
});

describe('configuration', () => {
  it('names the variable in a one-line error', () => {
    expect(() => loadBridgeConfig({ ATTUNE__MESSAGE_QUEUE__URL: 'amqp://x' })).toThrow(new ConfigError('ATTUNE__DATABASE__URL is not set'));
    expect(() => loadBridgeConfig({ ATTUNE__DATABASE__URL: 'mysql://x', ATTUNE__MESSAGE_QUEUE__URL: 'amqp://x' })).toThrow(/^ATTUNE__DATABASE__URL is invalid: must be a URL/);
    expect(() => loadAgentConfig({ TEMPORAL_ADDRESS: 'no port here' })).toThrow(/TEMPORAL_ADDRESS is invalid/);
    expect(() => loadAgentConfig({ ATTUNE__WORKER__LABELS: 'zone' })).toThrow(/ATTUNE__WORKER__LABELS is invalid/);
    const bridge = { ATTUNE__DATABASE__URL: 'postgres://x/y', ATTUNE__MESSAGE_QUEUE__URL: 'amqp://x' };
    expect(loadBridgeConfig(bridge).sdkMetricsAddress).toBeUndefined();
    expect(loadBridgeConfig({ ...bridge, ATTUNE_TEMPORAL_SDK_METRICS_ADDRESS: '0.0.0.0:9464' }).sdkMetricsAddress).toBe('0.0.0.0:9464');
    expect(() => loadBridgeConfig({ ...bridge, ATTUNE_TEMPORAL_SDK_METRICS_ADDRESS: '9464' })).toThrow(/ATTUNE_TEMPORAL_SDK_METRICS_ADDRESS is invalid: use host:port/);
    expect(loadBridgeConfig(bridge).maxCachedWorkflows).toBeUndefined();
    expect(loadBridgeConfig({ ...bridge, ATTUNE_TEMPORAL_MAX_CACHED_WORKFLOWS: '500' }).maxCachedWorkflows).toBe(500);
    expect(() => loadBridgeConfig({ ...bridge, ATTUNE_TEMPORAL_MAX_CACHED_WORKFLOWS: '1' })).toThrow(/^ATTUNE_TEMPORAL_MAX_CACHED_WORKFLOWS is invalid: must be at least 2/);
  });

  it('an agent needs no database or broker settings and defaults Temporal to 127.0.0.1', () => {
    const c = loadAgentConfig({ ATTUNE_WORKER_NAME: 'pool-a', ATTUNE_WORKER_RUNTIMES: ' Shell, ,python ', ATTUNE__WORKER__LABELS: 'zone=eu-1' });
    expect(c).toMatchObject({ pool: 'pool-a', runtimeOverride: ['shell', 'python'], labels: { zone: 'eu-1' }, packsBaseDir: '/opt/attune/packs' });
    expect(c.temporal.connection.address).toBe('127.0.0.1:7233');
  });
});
