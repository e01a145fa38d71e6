import type { Channel, ConsumeMessage } from 'amqplib';
import type { z } from 'zod';
import { decodeEnvelope, type IncomingEnvelope } from '../src/attune/envelope';
import { payloadOf } from '../src/attune/messages';
import { declareQueue, type QueueSpec } from '../src/attune/topology';
import type { Logger } from '../src/log';
import type { Parking } from './parking';

/** What a handler decided: done (ack), or park the message with a reason (ack after parking). */
export type Verdict = { kind: 'ack' } | { kind: 'park'; reason: string };
export type Handler = (envelope: IncomingEnvelope) => Promise<Verdict>;

const RETRY_DELAY_MS = 1000;

/**
 * A handler for one message type on one queue: any other type, or a payload that does not validate, is
 * parked with the reason; the rest reaches `handle` with its payload typed.
 */
export function typedHandler<S extends z.ZodType>(
  messageType: string,
  schema: S,
  queue: string,
  handle: (payload: z.infer<S>, envelope: IncomingEnvelope) => Promise<Verdict>,
): Handler {
  return async (envelope) => {
    if (envelope.message_type !== messageType) {
      return { kind: 'park', reason: `unexpected message_type "${envelope.message_type}" on the ${queue} queue` };
    }
    let payload: z.infer<S>;
    try {
      payload = payloadOf(envelope, schema);
    } catch (err) {
      return { kind: 'park', reason: (err as Error).message };
    }
    return handle(payload, envelope);
  };
}

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
