import type { Channel, ConsumeMessage } from 'amqplib';
import { decodeEnvelope, type IncomingEnvelope } from '../src/attune/envelope';
import { declareQueue, type QueueSpec } from '../src/attune/topology';
import type { Logger } from '../src/log';
import type { ChannelSource } from './amqp-connection';
import type { Parking } from './parking';
import { classifyHandlingFailure } from './handling-failure';
import type { ParkCategory } from './metrics';

/** A running consumer; `detach` stops it for good (its unacked messages go back to the queue). */
export interface Consumer {
  detach(): Promise<void>;
}

/** What a handler decided: done (ack), or park the message with a reason (ack after parking). */
export type Verdict = { kind: 'ack' } | { kind: 'park'; reason: string; category: ParkCategory };
export type Handler = (envelope: IncomingEnvelope) => Promise<Verdict>;

const RETRY_DELAY_MS = 1000;
/** In-process retries of a delivered message: backoff from 0.5 s doubling to 30 s. */
const HOLD_INITIAL_MS = 500;
const HOLD_MAX_MS = 30_000;
/** A failure that is not known to be transient is retried this often (about 5 min), then parked with its reason. */
const UNKNOWN_FAILURE_ATTEMPTS = 14;

/**
 * Consumes one of Attune's per-worker queues with manual acks. A message is acked only after its
 * handler has finished durably; one that cannot be understood is parked with the reason and the
 * consumer keeps going. A transient failure (Temporal or the database unreachable) keeps the delivered
 * message unacked while the handler is retried in process for as long as it takes: a requeued message
 * would keep its queue TTL and expire during a long outage, a delivered one does not (prefetch bounds
 * how many are held). A failure not known to be transient is retried for about 5 minutes, then parked.
 */
export async function consumeQueue(source: ChannelSource, spec: QueueSpec, handler: Handler, parking: Parking, log: Logger): Promise<Consumer> {
  const generation = source.generation;
  let detached = false;
  let channel: Channel | null = null;
  // Still the connection this consumer was made on? After a reconnect, the reconnect re-attaches every consumer.
  const current = () => !detached && source.isOpen && source.generation === generation;
  const attach = async (): Promise<void> => {
    const ch = await source.channel();
    channel = ch;
    let retired = false;
    // A consumer the broker cancelled (queue deleted, failover, consumer timeout) or whose channel closed is
    // re-attached on a fresh channel, with backoff, for as long as its connection stands.
    const reattach = (why: string) => {
      if (retired) return;
      retired = true;
      if (!current()) return;
      log.warn({ queue: spec.name, why }, 're-attaching the consumer');
      void ch.close().catch(() => undefined);
      void (async () => {
        for (let delay = HOLD_INITIAL_MS; ; delay = Math.min(HOLD_MAX_MS, delay * 2)) {
          await new Promise((resolve) => setTimeout(resolve, delay));
          if (!current()) return;
          try {
            await attach();
            log.info({ queue: spec.name }, 'consumer re-attached');
            return;
          } catch (err) {
            log.warn({ err, queue: spec.name, retryInMs: delay }, 'consumer re-attach failed; retrying');
          }
        }
      })();
    };
    ch.once('close', () => reattach('channel closed'));
    await consumeOn(ch, spec, handler, parking, log, () => reattach('consumer cancelled by the broker'));
  };
  await attach();
  return {
    detach: async () => {
      detached = true;
      await channel?.close().catch(() => undefined);
    },
  };
}

async function consumeOn(channel: Channel, spec: QueueSpec, handler: Handler, parking: Parking, log: Logger, cancelled: () => void): Promise<void> {
  let closed = false;
  channel.once('close', () => (closed = true));
  await declareQueue(channel, spec);
  await channel.prefetch(spec.prefetch);
  await channel.consume(
    spec.name,
    (msg) => {
      if (msg === null) return cancelled();
      void handle(msg);
    },
    { noAck: false, consumerTag: `${spec.consumerTag}-${process.pid}` },
  );

  async function handle(msg: ConsumeMessage): Promise<void> {
    let envelope: IncomingEnvelope;
    try {
      envelope = decodeEnvelope(msg.content);
    } catch (err) {
      return park(msg, (err as Error).message, 'malformed_envelope');
    }
    let delay = HOLD_INITIAL_MS;
    for (let attempt = 1; ; attempt += 1) {
      if (closed) return; // the broker redelivers what was unacked on a closed channel
      let verdict: Verdict;
      try {
        verdict = await handler(envelope);
      } catch (err) {
        const fault = classifyHandlingFailure(err);
        if (fault.kind !== 'transient' && attempt >= UNKNOWN_FAILURE_ATTEMPTS) {
          return park(msg, `handling failed ${attempt} times: ${fault.reason}`, 'handling_failed');
        }
        log.warn({ err: fault.reason, queue: spec.name, messageId: envelope.message_id, attempt, retryInMs: delay }, 'handling failed; holding the message and retrying');
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(HOLD_MAX_MS, delay * 2);
        continue;
      }
      if (verdict.kind === 'park') return park(msg, verdict.reason, verdict.category);
      return safely(() => channel.ack(msg));
    }
  }

  async function park(msg: ConsumeMessage, reason: string, category: ParkCategory): Promise<void> {
    try {
      await parking.deadLetter(msg, spec.name, reason, category);
      channel.ack(msg);
      log.warn({ queue: spec.name, reason }, 'message dead-lettered with its reason (to attune.dlx, then our parking queue)');
    } catch (err) {
      log.error({ err, queue: spec.name }, 'could not park message; requeueing');
      setTimeout(() => safely(() => channel.nack(msg, false, true)), RETRY_DELAY_MS);
    }
  }
}

/** Acks and nacks on a channel that may have closed meanwhile (the broker then redelivers). */
export function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // the channel closed meanwhile; the broker redelivers unacked messages
  }
}
