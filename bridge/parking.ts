import type { ConsumeMessage, Options } from 'amqplib';
import { EXCHANGES } from '../src/attune/topology';
import type { AmqpConnection } from './amqp-connection';
import { publishConfirmed, publishRoutedConfirmed } from './confirm-publish';
import type { BridgeMetrics, ParkCategory } from './metrics';

const ORIGIN_HEADERS = ['x-original-queue', 'x-original-exchange', 'x-original-routing-key'] as const;

/**
 * Messages we will not process. They are dead-lettered the way Attune's components do it — to `attune.dlx`
 * with their original routing key — but published by us (a nack cannot carry a reason), with the reason in
 * `x-parked-reason`, confirmed, and only then acked: everything bound to `attune.dlx` sees them. Our own
 * dead-letter queue is one of those; its consumer moves what carries our reason to the parking queue.
 */
export class Parking {
  constructor(
    private readonly amqp: AmqpConnection,
    readonly queue: string,
    private readonly metrics?: Pick<BridgeMetrics, 'messageParked'>,
  ) {}

  /** Dead-letters a message of one of Attune's queues with our reason; parks it directly if nothing is bound for it. */
  async deadLetter(msg: ConsumeMessage, fromQueue: string, reason: string, category: ParkCategory): Promise<void> {
    const channel = await this.amqp.confirmChannel();
    const routed = await publishRoutedConfirmed(channel, EXCHANGES.dlx, msg.fields.routingKey, msg.content, this.options(msg, fromQueue, reason));
    if (routed === 'unroutable') await this.park(msg, fromQueue, reason, null);
    this.metrics?.messageParked(category);
  }

  /**
   * Puts a message into the parking queue, its reason and origin in headers (an origin it already carries is kept).
   * `category` null: the message was counted when we dead-lettered it.
   */
  async park(msg: ConsumeMessage, fromQueue: string, reason: string, category: ParkCategory | null): Promise<void> {
    const channel = await this.amqp.confirmChannel();
    // The default exchange routes by queue name: straight into our parking queue.
    await publishConfirmed(channel, '', this.queue, msg.content, this.options(msg, fromQueue, reason));
    if (category) this.metrics?.messageParked(category);
  }

  private options(msg: ConsumeMessage, fromQueue: string, reason: string): Options.Publish {
    const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
    const origin = Object.fromEntries(ORIGIN_HEADERS.filter((h) => typeof headers[h] === 'string').map((h) => [h, headers[h]]));
    return {
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
        ...origin,
      },
    };
  }
}
