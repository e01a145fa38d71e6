import os from 'node:os';
import { Runtime, Worker } from '@temporalio/worker';
import type { BridgeConfig } from '../src/config';
import type { Logger } from '../src/log';
import { createDbPool } from '../src/attune/db/pool';
import { listOwnWorkers } from '../src/attune/db/workers';
import { declareCommonInfrastructure, declareParkingQueue, workerQueues } from '../src/attune/topology';
import { connectNative, createClient } from '../src/temporal/connection';
import { createDataConverter } from '../src/temporal/data-converter';
import { EncryptionCodec, loadCodecKeys } from '../src/temporal/payload-codec';
import { createHttpServer } from './http-server';
import { AmqpConnection } from './amqp-connection';
import { consumeQueue } from './consumer';
import { cancelHandler, dispatchHandler } from './execution-handlers';
import { createControlActivities } from './control-activities';
import { packEventHandler, packTestHandler } from './pack-handlers';
import { Parking } from './parking';
import { PoolRegistry } from './pool-registry';
import { AttunePublisher } from './publisher';

/**
 * The control plane: consumes each pool's Attune queues and turns messages into workflow starts and
 * signals, hosts the execution workflows and the activities that write Attune's rows and messages, and
 * keeps one Attune worker row per live agent pool.
 */
export async function runBridge(config: BridgeConfig, log: Logger): Promise<void> {
  Runtime.install({ shutdownSignals: [] });
  const db = createDbPool(config.databaseUrl, config.databaseSchema, log);
  const amqp = await AmqpConnection.open(config.messageQueueUrl, log);
  const setup = await amqp.channel();
  await declareCommonInfrastructure(setup);
  await declareParkingQueue(setup, config.parkingQueue, []);
  const parking = new Parking(amqp, config.parkingQueue);
  const publisher = new AttunePublisher(() => amqp.confirmChannel());
  const codec = new EncryptionCodec(loadCodecKeys());
  const dataConverter = createDataConverter(codec);
  const connection = await connectNative(config.temporal);
  const client = await createClient(config.temporal, dataConverter, connection);

  const attached = new Map<number, Promise<void>>();
  const attach = (workerId: number, pool: string): Promise<void> => {
    let pending = attached.get(workerId);
    if (!pending) {
      pending = attachPool(workerId, pool);
      attached.set(workerId, pending);
      pending.catch(() => attached.delete(workerId));
    }
    return pending;
  };
  const attachPool = async (workerId: number, pool: string): Promise<void> => {
    const queues = workerQueues(workerId, config.maxConcurrentTasks);
    const channel = await amqp.channel();
    await declareParkingQueue(channel, config.parkingQueue, [workerId]);
    const deps = { client, bridgeTaskQueue: config.temporal.bridgeTaskQueue, workerId, pool, log: log.child({ pool, workerId }) };
    // Each queue on its own channel: prefetch is per channel, and an error closes only that one.
    await consumeQueue(channel, queues.executions, dispatchHandler(deps), parking, deps.log);
    await consumeQueue(await amqp.channel(), queues.cancel, cancelHandler(deps), parking, deps.log);
    await consumeQueue(await amqp.channel(), queues.packs, packEventHandler, parking, deps.log);
    await consumeQueue(await amqp.channel(), queues.packtests, packTestHandler({ db, workerId, log: deps.log }), parking, deps.log);
    log.info({ pool, workerId }, 'consuming pool queues');
  };

  const registry = new PoolRegistry({ client, db, log, attach, bridgeTaskQueue: config.temporal.bridgeTaskQueue });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    dataConverter,
    taskQueue: config.temporal.bridgeTaskQueue,
    // A prebuilt bundle (docker/bridge.Dockerfile) skips webpack at start; otherwise bundle now.
    ...(config.workflowBundle ? { workflowBundle: { codePath: config.workflowBundle } } : { workflowsPath: require.resolve('../workflows') }),
    activities: createControlActivities({ db, publisher, registry, log, artifactsDir: config.artifactsDir, apiUrl: config.apiUrl, defaultTimeoutSeconds: config.defaultTimeoutSeconds, encryptionKey: config.encryptionKey, jwtSecret: config.jwtSecret }),
    identity: `bridge@${os.hostname()}:${process.pid}`,
  });

  const http = createHttpServer({ codec, agentBinary: config.agentBinary, codecTokens: config.codecTokens, corsOrigins: config.corsOrigins, log });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.httpPort, config.httpHost, () => resolve());
  });

  for (const own of await listOwnWorkers(db)) await attach(own.id, own.name);
  const running = worker.run();
  const syncOnce = () => registry.sync().catch((err: unknown) => log.warn({ err }, 'pool sync failed'));
  await syncOnce();
  const timer = setInterval(() => void syncOnce(), config.poolSyncSeconds * 1000);
  log.info({ taskQueue: config.temporal.bridgeTaskQueue }, 'bridge ready');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'bridge shutting down');
    clearInterval(timer);
    worker.shutdown();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  amqp.model.on('close', () => {
    if (stopping) return;
    // Nothing is lost by stopping: unacked messages are redelivered, workflows continue in Temporal.
    log.error('AMQP connection closed unexpectedly; stopping so a supervisor restarts the bridge');
    process.exitCode = 1;
    stop('amqp-closed');
  });
  try {
    await running;
  } finally {
    http.close();
    await amqp.close();
    await db.end();
    await connection.close();
  }
}
