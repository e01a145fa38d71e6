import type { ConsumeMessage } from 'amqplib';
import type { AmqpConnection } from './amqp-connection';
import { publishConfirmed } from './confirm-publish';

/**
 * Our parking queue for messages we will not process. A nack cannot carry a reason and Attune's DLX
 * binding never matches, so we republish the original body with the reason in headers, then ack.
 */
export class Parking {
  constructor(
    private readonly amqp: AmqpConnection,
    readonly queue: string,
  ) {}

  async park(msg: ConsumeMessage, fromQueue: string, reason: string): Promise<void> {
    const channel = await this.amqp.confirmChannel();
    // The default exchange routes by queue name: straight into our parking queue.
    await publishConfirmed(channel, '', this.queue, msg.content, {
      persistent: true,
      contentType: msg.properties.contentType as string | undefined,
      messageId: msg.properties.messageId as string | undefined,
      correlationId: msg.properties.correlationId as string | undefined,
      headers: {
        'x-parked-reason': reason.slice(0, 2000),
        'x-parked-at': new Date().toISOString(),
        'x-original-queue': fromQueue,
        'x-original-exchange': msg.fields.exchange,
        'x-original-routing-key': msg.fields.routingKey,
      },
    });
  }
}
