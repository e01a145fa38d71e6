import type { ConfirmChannel, Options } from 'amqplib';

/** Publishes one message and resolves only once the broker has confirmed it (publisher confirms). */
export function publishConfirmed(channel: ConfirmChannel, exchange: string, routingKey: string, content: Buffer, options: Options.Publish): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    channel.publish(exchange, routingKey, content, options, (err: unknown) =>
      err ? reject(err instanceof Error ? err : new Error('the broker did not confirm the message')) : resolve(),
    );
  });
}
