import type { Channel, ConsumeMessage } from 'amqplib';
import { deadLetterQueueName, EXCHANGES } from '../src/attune/topology';
import type { Logger } from '../src/log';
import type { AmqpConnection } from './amqp-connection';
import { publishConfirmed } from './confirm-publish';
import { safely } from './consumer';
import type { Parking } from './parking';

/** RabbitMQ's record of a dead-lettering, newest first. */
interface XDeath {
  reason?: string;
  queue?: string;
  exchange?: string;
  'routing-keys'?: string[];
}

export const REPLAY_COUNT_HEADER = 'x-attune-temporal-replays';

/** Replay (back to where it came from) or park (with the reason): what a dead-lettered message deserves. */
export function deadLetterVerdict(msg: Pick<ConsumeMessage, 'properties'>): { kind: 'replay'; exchange: string; routingKey: string } | { kind: 'park'; reason: string; ours: boolean } {
  const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
  const death = (Array.isArray(headers['x-death']) ? (headers['x-death'] as XDeath[]) : [])[0];
  const routingKey = death?.['routing-keys']?.[0];
  // Only what the broker expired from an Attune execution queue is replayed: a message we dead-lettered
  // ourselves carries our reason, and anything else (rejected, over a length limit) is not ours to resend.
  if (typeof headers['x-parked-reason'] !== 'string' && death?.reason === 'expired' && death.exchange === EXCHANGES.executions && routingKey) {
    return { kind: 'replay', exchange: death.exchange, routingKey };
  }
  const ours = typeof headers['x-parked-reason'] === 'string';
  const reason = ours ? (headers['x-parked-reason'] as string) : `dead-lettered by the broker (${death?.reason ?? 'no x-death'}) from ${death?.queue ?? 'an unknown queue'}`;
  return { kind: 'park', reason, ours };
}

/**
 * Consumes our dead-letter queue. A dispatch or cancel that expired in its worker queue (Attune's 5-minute
 * TTL, e.g. while Temporal was unreachable and prefetch was full) is published again to its original
 * exchange and routing key, so no outage length loses it; if the outage lasts, it expires and comes back
 * again (every 5 minutes, counted in a header). Everything else is parked with its reason.
 */
export async function consumeDeadLetters(channel: Channel, amqp: AmqpConnection, parking: Parking, log: Logger): Promise<void> {
  const queue = deadLetterQueueName(parking.queue);
  await channel.prefetch(10);
  await channel.consume(
    queue,
    (msg) => {
      if (msg === null) return log.warn({ queue }, 'consumer cancelled by the broker');
      void handle(msg);
    },
    { noAck: false, consumerTag: `attune-temporal-dead-letters-${process.pid}` },
  );

  async function handle(msg: ConsumeMessage): Promise<void> {
    const verdict = deadLetterVerdict(msg);
    try {
      if (verdict.kind === 'park') {
        // Ours carry x-parked-reason and were counted when dead-lettered; the broker's are counted here.
        await parking.park(msg, queue, verdict.reason, verdict.ours ? null : 'dead_lettered_by_broker');
      } else {
        // The broker's death records go: the next expiry (if the outage lasts) starts a fresh one.
        const headers = Object.fromEntries(Object.entries((msg.properties.headers ?? {}) as Record<string, unknown>).filter(([k]) => !/^x-(death|first-death-|last-death-)/.test(k)));
        const replays = (typeof headers[REPLAY_COUNT_HEADER] === 'number' ? headers[REPLAY_COUNT_HEADER] : 0) + 1;
        await publishConfirmed(await amqp.confirmChannel(), verdict.exchange, verdict.routingKey, msg.content, {
          ...(msg.properties as object),
          expiration: undefined,
          headers: { ...headers, [REPLAY_COUNT_HEADER]: replays },
        });
        log.warn({ routingKey: verdict.routingKey, replays, messageId: msg.properties.messageId as unknown }, 'expired message replayed to its queue');
      }
      channel.ack(msg);
    } catch (err) {
      log.error({ err, queue }, 'could not replay or park a dead-lettered message; requeueing');
      setTimeout(() => safely(() => channel.nack(msg, false, true)), 1000);
    }
  }
}
