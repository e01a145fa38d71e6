import type { ConfirmChannel } from 'amqplib';
import { publishConfirmed } from './confirm-publish';
import { newEnvelope } from '../src/attune/envelope';
import { EXCHANGES, ROUTING } from '../src/attune/topology';
import type { ExecutionCompletedPayload, ExecutionStatusChangedPayload } from '../src/attune/messages';

/**
 * Publishes the two messages a worker sends, as Attune's publisher does: persistent, JSON, message and
 * correlation ids in the properties, and waits for the broker's confirm before returning.
 */
export class AttunePublisher {
  constructor(private readonly channel: () => Promise<ConfirmChannel>) {}

  async statusChanged(payload: ExecutionStatusChangedPayload): Promise<void> {
    await this.publish(EXCHANGES.executions, ROUTING.statusChanged, 'ExecutionStatusChanged', payload);
  }

  async completed(payload: ExecutionCompletedPayload): Promise<void> {
    await this.publish(EXCHANGES.executions, ROUTING.completed, 'ExecutionCompleted', payload);
  }

  async publish(exchange: string, routingKey: string, messageType: string, payload: unknown, sourceService = 'worker'): Promise<void> {
    const envelope = newEnvelope(messageType, payload, sourceService);
    const channel = await this.channel();
    await publishConfirmed(channel, exchange, routingKey, Buffer.from(JSON.stringify(envelope)), {
      persistent: true,
      messageId: envelope.message_id,
      correlationId: envelope.correlation_id,
      timestamp: Math.floor(Date.now() / 1000),
      contentType: 'application/json',
    });
  }
}
