import type { Channel } from 'amqplib';

/**
 * Attune's RabbitMQ topology, with exactly the names, durability and arguments of
 * crates/common/src/mq/config.rs and connection.rs: a mismatch closes the channel (PRECONDITION_FAILED).
 */
export const EXCHANGES = {
  events: 'attune.events',
  executions: 'attune.executions',
  notifications: 'attune.notifications',
  metadata: 'attune.metadata',
  dlx: 'attune.dlx',
} as const;

export const ROUTING = {
  /** A new execution for the executor's scheduler (attune.execution.requests.queue). */
  requested: 'execution.requested',
  statusChanged: 'execution.status.changed',
  completed: 'execution.completed',
  dispatch: (workerId: number) => `execution.dispatch.worker.${workerId}`,
  cancel: (workerId: number) => `execution.cancel.worker.${workerId}`,
  packTestDispatch: (workerId: number) => `pack.test.dispatch.worker.${workerId}`,
  packRegistered: 'pack.registered',
  packDeleted: 'pack.deleted',
} as const;

export const WORKER_QUEUE_TTL_MS = 300_000;

export interface QueueSpec {
  name: string;
  arguments: Record<string, unknown>;
  bindings: { exchange: string; routingKey: string }[];
  prefetch: number;
  consumerTag: string;
}

/** The four per-worker queues (§1.3 of the protocol spec). */
export function workerQueues(workerId: number, maxConcurrentTasks: number) {
  const dlx = { 'x-dead-letter-exchange': EXCHANGES.dlx };
  const executions: QueueSpec = {
    name: `worker.${workerId}.executions`,
    arguments: { ...dlx, 'x-message-ttl': WORKER_QUEUE_TTL_MS },
    bindings: [{ exchange: EXCHANGES.executions, routingKey: ROUTING.dispatch(workerId) }],
    prefetch: maxConcurrentTasks + 2,
    consumerTag: `worker-${workerId}`,
  };
  const cancel: QueueSpec = {
    name: `worker.${workerId}.cancel`,
    arguments: dlx,
    bindings: [{ exchange: EXCHANGES.executions, routingKey: ROUTING.cancel(workerId) }],
    prefetch: 10,
    consumerTag: `worker-${workerId}-cancel`,
  };
  const packs: QueueSpec = {
    name: `worker.${workerId}.packs`,
    arguments: dlx,
    bindings: [
      { exchange: EXCHANGES.events, routingKey: ROUTING.packRegistered },
      { exchange: EXCHANGES.events, routingKey: ROUTING.packDeleted },
    ],
    prefetch: 5,
    consumerTag: `worker-${workerId}-packs`,
  };
  const packtests: QueueSpec = {
    name: `worker.${workerId}.packtests`,
    arguments: dlx,
    bindings: [{ exchange: EXCHANGES.executions, routingKey: ROUTING.packTestDispatch(workerId) }],
    prefetch: 1,
    consumerTag: `worker-${workerId}-packtests`,
  };
  return { executions, cancel, packs, packtests };
}

/** Every service declares these idempotently at startup (setup_common_infrastructure). */
export async function declareCommonInfrastructure(channel: Channel): Promise<void> {
  await channel.assertExchange(EXCHANGES.events, 'topic', { durable: true, autoDelete: false });
  await channel.assertExchange(EXCHANGES.executions, 'topic', { durable: true, autoDelete: false });
  await channel.assertExchange(EXCHANGES.notifications, 'fanout', { durable: true, autoDelete: false });
  await channel.assertExchange(EXCHANGES.metadata, 'topic', { durable: true, autoDelete: false });
  await channel.assertExchange(EXCHANGES.dlx, 'direct', { durable: true, autoDelete: false });
  await channel.assertQueue('attune.dlx.queue', { durable: true, exclusive: false, autoDelete: false });
  await channel.bindQueue('attune.dlx.queue', EXCHANGES.dlx, '#');
}

export async function declareQueue(channel: Channel, spec: QueueSpec): Promise<void> {
  await channel.assertQueue(spec.name, { durable: true, exclusive: false, autoDelete: false, arguments: spec.arguments });
  for (const b of spec.bindings) await channel.bindQueue(spec.name, b.exchange, b.routingKey);
}

/** The queue that receives everything dead-lettered through attune.dlx for our pools; named after the parking queue. */
export const deadLetterQueueName = (parkingQueue: string) => `${parkingQueue}.dead-letters`;

/** The routing keys under which a pool's messages can be dead-lettered (its queues' own keys, and pack events). */
function deadLetterKeys(workerIds: number[]): string[] {
  return [...workerIds.flatMap((id) => [ROUTING.dispatch(id), ROUTING.cancel(id), ROUTING.packTestDispatch(id)]), ROUTING.packRegistered, ROUTING.packDeleted];
}

/**
 * Our parking queue (where messages we will not process rest, with the reason in `x-parked-reason`) and our
 * dead-letter queue. Attune's dead-letter binding never matches (a direct exchange bound with "#"), so the
 * dead-letter queue is bound to attune.dlx with each worker's real routing keys: a dispatch that expired
 * (5-minute TTL) arrives there and is replayed; anything else dead-lettered moves on to the parking queue.
 * The parking queue itself is no longer bound to attune.dlx (bindings of older versions are removed).
 */
export async function declareParkingQueues(channel: Channel, parkingQueue: string, workerIds: number[]): Promise<void> {
  const deadLetters = deadLetterQueueName(parkingQueue);
  await channel.assertQueue(parkingQueue, { durable: true, exclusive: false, autoDelete: false });
  await channel.assertQueue(deadLetters, { durable: true, exclusive: false, autoDelete: false });
  for (const key of deadLetterKeys(workerIds)) {
    await channel.bindQueue(deadLetters, EXCHANGES.dlx, key);
    await channel.unbindQueue(parkingQueue, EXCHANGES.dlx, key);
  }
}
