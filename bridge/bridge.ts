import { sdkTelemetry } from '../src/temporal/sdk-telemetry';
import type { Server } from 'node:http';
import os from 'node:os';
import { Runtime, Worker } from '@temporalio/worker';
import type { BridgeConfig } from '../src/config';
import type { Logger } from '../src/log';
import { openWithBackoff, StartupError, type Lifecycle } from '../src/lifecycle';
import { createDbPool } from '../src/attune/db/pool';
import { idleForGood, listOwnWorkers } from '../src/attune/db/workers';
import { declareCommonInfrastructure, declareParkingQueues, workerQueues } from '../src/attune/topology';
import { connectNative, createClient } from '../src/temporal/connection';
import { createDataConverter } from '../src/temporal/data-converter';
import { EncryptionCodec, loadCodecKeys } from '../src/temporal/payload-codec';
import { createHttpServer } from './http-server';
import { createCodecAuth } from './codec-auth';
import { announceCodecAuth } from './codec-auth-announce';
import { Health } from './health';
import { AmqpConnection } from './amqp-connection';
import { consumeQueue, type Consumer } from './consumer';
import { consumeDeadLetters } from './dead-letters';
import { Reconciler } from './reconciler';
import { createControlActivities } from './control-activities';
import { sealingSummary } from './seal-spec';
import { loadBridgePoolKeys } from '../src/temporal/pool-keys';
import { poolRoutes, queueHandler, type PoolQueue } from './routes';
import { Parking } from './parking';
import { PoolRegistry } from './pool-registry';
import { LegacyExecutions } from './legacy-executions';
import { AttunePublisher } from './publisher';
import { BridgeMetrics } from './metrics';
import { SearchAttributes } from './search-attributes';
import { VanishedSessions } from './vanished-sessions';
import { bridgeTracing } from './tracing';

/**
 * The control plane: consumes each pool's Attune queues and turns messages into workflow starts and
 * signals, hosts the execution workflows and the activities that write Attune's rows and messages, and
 * keeps one Attune worker row per live agent pool.
 */
export async function runBridge(config: BridgeConfig, log: Logger, lifecycle: Lifecycle): Promise<void> {
  Runtime.install({ shutdownSignals: [], ...sdkTelemetry(config.sdkMetricsAddress) });
  lifecycle.handleSignals();
  // First, so that it is closed last: the spans of everything closed before it are flushed.
  const tracing = await bridgeTracing(config.tracing, lifecycle);
  const health = new Health(['amqp', 'postgres', 'temporal', 'started']);
  const retrying = { onRetry: () => health.progressed() };
  const codec = new EncryptionCodec(loadCodecKeys());
  const poolKeys = loadBridgePoolKeys();
  const dataConverter = createDataConverter(codec);
  // In flight is read from the database at scrape time (0 until it is reachable).
  let inFlight: () => Promise<{ pool: string; open: number }[]> = async () => [];
  const metrics = new BridgeMetrics(() => inFlight());

  announceCodecAuth(config.codecAuth, log);
  // The HTTP server answers from the first second: not ready until every dependency is, but alive.
  const http = createHttpServer({ codec, agentBinary: config.agentBinary, codecAuth: createCodecAuth(config.codecAuth, log), corsOrigins: config.corsOrigins, health, log, metrics });
  await listen(http, config.httpPort, config.httpHost);
  lifecycle.add('http server', http, closeServer);

  const db = lifecycle.add('postgres', createDbPool(config.databaseUrl, config.databaseSchema, log), (pool) => pool.end());
  await openWithBackoff(lifecycle, 'PostgreSQL', () => db.query('SELECT 1'), retrying);
  health.setProbe('postgres', () => db.query('SELECT 1'));
  inFlight = async () => (await listOwnWorkers(db)).map((w) => ({ pool: w.name, open: w.openExecutions }));
  const sealing = sealingSummary(poolKeys, (await listOwnWorkers(db)).map((w) => w.name));
  log[sealing.level](sealing.fields, sealing.message);

  const amqp = lifecycle.add('amqp', await openWithBackoff(lifecycle, 'RabbitMQ', () => AmqpConnection.open(config.messageQueueUrl, log, lifecycle), retrying), (c) => c.close());
  health.setProbe('amqp', async () => {
    if (!amqp.isOpen) throw new Error('connection lost; reconnecting');
  });
  const parking = new Parking(amqp, config.parkingQueue, metrics);
  /** Exchanges, our parking and dead-letter queues, and the dead-letter consumer: at start and after each reconnect. */
  const declareTopology = async () => {
    const channel = await amqp.channel();
    await declareCommonInfrastructure(channel);
    await declareParkingQueues(channel, config.parkingQueue, []);
    await consumeDeadLetters(await amqp.channel(), amqp, parking, log);
    await channel.close();
  };
  await declareTopology();
  const publisher = new AttunePublisher(() => amqp.confirmChannel(), { log });

  const connection = lifecycle.add('temporal connection', await openWithBackoff(lifecycle, 'Temporal', () => connectNative(config.temporal), retrying), (c) => c.close());
  health.setProbe('temporal', () => connection.healthService.check({}));
  const client = await createClient(config.temporal, dataConverter, connection);
  // Execution starts and signals carry the dispatch span's context; the reconciler's and pool sync's calls make no traces.
  const executionClient = tracing.clientInterceptors ? await createClient(config.temporal, dataConverter, connection, tracing.clientInterceptors) : client;
  const legacy = new LegacyExecutions({ client, bridgeTaskQueue: config.temporal.bridgeTaskQueue, log });
  // Never fails the start: without them executions run unsearchable (warned), and each reconciler pass looks again.
  const searchAttributes = new SearchAttributes({ client, namespace: config.temporal.namespace, log });
  await searchAttributes.ensure();
  await openWithBackoff(lifecycle, 'Temporal visibility', () => legacy.refresh(), retrying);

  // Pools whose queues this bridge consumes on the current connection (cleared by a reconnect).
  const attached = new Map<number, Promise<Consumer[]>>();
  const attach = async (workerId: number, pool: string): Promise<void> => {
    let pending = attached.get(workerId);
    if (!pending) {
      pending = attachPool(workerId, pool);
      attached.set(workerId, pending);
      pending.catch(() => attached.delete(workerId));
    }
    await pending;
  };
  const detach = async (workerId: number): Promise<boolean> => {
    const pending = attached.get(workerId);
    if (!pending) return false;
    attached.delete(workerId);
    const consumers = await pending.catch(() => []);
    await Promise.all(consumers.map((c) => c.detach()));
    return consumers.length > 0;
  };
  /** Attaches every pool of ours that is not idle for good; one that fails is logged and retried by the pool sync. */
  const attachOwnPools = async () => {
    for (const own of await listOwnWorkers(db)) {
      if (idleForGood(own, config.poolDetachSeconds)) continue;
      await attach(own.id, own.name).catch((err: unknown) => log.error({ err, pool: own.name }, 'pool attach failed; retried at the next pool sync'));
    }
  };
  const attachPool = async (workerId: number, pool: string): Promise<Consumer[]> => {
    if (poolKeys.size > 0 && !poolKeys.has(pool)) log.warn({ pool }, 'pool has no key in ATTUNE_TEMPORAL_POOL_KEYS: its run specs are not sealed');
    const queues = workerQueues(workerId, config.maxConcurrentTasks);
    const declaring = await amqp.channel();
    await declareParkingQueues(declaring, config.parkingQueue, [workerId]);
    await declaring.close();
    const deps = { client: executionClient, tracer: tracing.tracer, db, legacy, searchAttributes, metrics, bridgeTaskQueue: config.temporal.bridgeTaskQueue, workerId, pool, log: log.child({ pool, workerId }) };
    // Each queue on its own channel: prefetch is per channel, and an error closes only that one. A partial
    // attach is undone, so the next attempt does not leave a second consumer on the queues that did attach.
    const consumers: Consumer[] = [];
    try {
      for (const [queue, routes] of Object.entries(poolRoutes(deps)) as [PoolQueue, Parameters<typeof queueHandler>[1]][]) {
        consumers.push(await consumeQueue(amqp, queues[queue], queueHandler(queue, routes), parking, deps.log));
      }
    } catch (err) {
      await Promise.all(consumers.map((c) => c.detach()));
      throw err;
    }
    log.info({ pool, workerId }, 'consuming pool queues');
    return consumers;
  };

  amqp.onReconnected(async () => {
    attached.clear(); // the old connection's consumers died with it
    await declareTopology();
    await attachOwnPools();
  });
  const registry = new PoolRegistry({ client, db, log, attach, detach, detachAfterSeconds: config.poolDetachSeconds, bridgeTaskQueue: config.temporal.bridgeTaskQueue });
  const controlActivities = createControlActivities({ db, publisher, registry, log, codec, poolKeys, artifactsDir: config.artifactsDir, apiUrl: config.apiUrl, defaultTimeoutSeconds: config.defaultTimeoutSeconds, encryptionKey: config.encryptionKey, jwtSecret: config.jwtSecret, metrics });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    dataConverter,
    taskQueue: config.temporal.bridgeTaskQueue,
    // A prebuilt bundle (docker/bridge.Dockerfile) skips webpack at start; otherwise bundle now.
    ...(config.workflowBundle ? { workflowBundle: { codePath: config.workflowBundle } } : { workflowsPath: require.resolve('../workflows') }),
    activities: controlActivities,
    maxCachedWorkflows: config.maxCachedWorkflows, // undefined: the SDK's default
    ...tracing.worker,
    identity: `bridge@${os.hostname()}:${process.pid}`,
  });

  await attachOwnPools();
  const running = worker.run();
  const syncOnce = () =>
    registry
      .sync()
      .catch((err: unknown) => log.warn({ err }, 'pool sync failed'))
      .finally(() => health.progressed());
  await syncOnce();
  const timer = setInterval(() => void syncOnce(), config.poolSyncSeconds * 1000);
  lifecycle.add('pool sync', timer, clearInterval);
  const reconciler = new Reconciler({ db, client, log, metrics, bridgeTaskQueue: config.temporal.bridgeTaskQueue, complete: controlActivities.completeExecution, settleSeconds: config.reconcileSeconds });
  const sessions = new VanishedSessions({ client, log, metrics, bridgeTaskQueue: config.temporal.bridgeTaskQueue, settleSeconds: config.reconcileSeconds });
  let reconciling = false; // one pass at a time: a slow pass is not overlapped by the next tick
  const reconcileTimer = setInterval(() => {
    if (reconciling) return;
    reconciling = true;
    void (async () => {
      await legacy
        .refresh()
        .then(() => reconciler.pass())
        .catch((err: unknown) => log.warn({ err }, 'reconciler pass failed'));
      await sessions.sweep().catch((err: unknown) => log.warn({ err }, 'agent session sweep failed'));
      await searchAttributes.ensure();
    })().finally(() => (reconciling = false));
  }, config.reconcileSeconds * 1000);
  lifecycle.add('reconciler', reconcileTimer, clearInterval);
  health.setProbe('started', async () => undefined);
  log.info({ taskQueue: config.temporal.bridgeTaskQueue }, 'bridge ready');

  // Either a stop is requested (signal, lost AMQP connection) or the worker ends by itself (fatal).
  await Promise.race([lifecycle.stopRequested, running]);
  log.info({ reason: lifecycle.stopping ? String(lifecycle.signal.reason) : 'worker ended' }, 'bridge shutting down');
  clearInterval(timer);
  clearInterval(reconcileTimer);
  worker.shutdown();
  await running;
}

/** Listens, or fails the start for good when the port is taken (retrying would not free it). */
function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' || err.code === 'EACCES' ? new StartupError(`cannot listen on ${host}:${port}: ${err.code}`) : err),
    );
    server.listen(port, host, () => resolve());
  });
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
