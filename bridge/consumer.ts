import type { Channel, ConsumeMessage } from 'amqplib';
import { decodeEnvelope, type IncomingEnvelope } from '../src/attune/envelope';
import { declareQueue, type QueueSpec } from '../src/attune/topology';
import type { Logger } from '../src/log';
import type { Parking } from './parking';

/** What a handler decided: done (ack), or park the message with a reason (ack after parking). */
export type Verdict = { kind: 'ack' } | { kind: 'park'; reason: string };
export type Handler = (envelope: IncomingEnvelope) => Promise<Verdict>;

const RETRY_DELAY_MS = 1000;

/**
 * Consumes one of Attune's per-worker queues with manual acks. A message is acked only after its
 * handler has finished durably; one that cannot be understood is parked with the reason and the
 * consumer keeps going; a transient failure (Temporal or database unreachable) is requeued after a pause.
 */
export async function consumeQueue(channel: Channel, spec: QueueSpec, handler: Handler, parking: Parking, log: Logger): Promise<void> {
  await declareQueue(channel, spec);
  await channel.prefetch(spec.prefetch);
  await channel.consume(
    spec.name,
    (msg) => {
      if (msg === null) {
        log.warn({ queue: spec.name }, 'consumer cancelled by the broker');
        return;
      }
      void handle(msg);
    },
    { noAck: false, consumerTag: `${spec.consumerTag}-${process.pid}` },
  );

  async function handle(msg: ConsumeMessage): Promise<void> {
    let envelope: IncomingEnvelope;
    try {
      envelope = decodeEnvelope(msg.content);
    } catch (err) {
      return park(msg, (err as Error).message);
    }
    try {
      const verdict = await handler(envelope);
      if (verdict.kind === 'park') return park(msg, verdict.reason);
      channel.ack(msg);
    } catch (err) {
      log.warn({ err, queue: spec.name, messageId: envelope.message_id }, 'handling failed; requeueing');
      setTimeout(() => safely(() => channel.nack(msg, false, true)), RETRY_DELAY_MS);
    }
  }

  async function park(msg: ConsumeMessage, reason: string): Promise<void> {
    try {
      await parking.park(msg, spec.name, reason);
      channel.ack(msg);
      log.warn({ queue: spec.name, reason }, 'message parked');
    } catch (err) {
      log.error({ err, queue: spec.name }, 'could not park message; requeueing');
      setTimeout(() => safely(() => channel.nack(msg, false, true)), RETRY_DELAY_MS);
    }
  }
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // the channel closed meanwhile; the broker redelivers unacked messages
  }
}
