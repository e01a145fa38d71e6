import type { ConfirmChannel, Options } from 'amqplib';

/**
 * The error each channel was closed with by the broker (e.g. 406 PRECONDITION_FAILED "message size … is
 * larger than configured max size …"). amqplib emits it as the channel's 'error' just before failing every
 * unconfirmed publish with a bare "channel closed"; keeping it lets callers see why.
 */
const closeErrors = new WeakMap<ConfirmChannel, Error>();
const watched = new WeakSet<ConfirmChannel>();

function watch(channel: ConfirmChannel): void {
  if (watched.has(channel)) return;
  watched.add(channel);
  channel.on('error', (err: Error) => closeErrors.set(channel, err));
}

/**
 * Publishes one message and resolves only once the broker has confirmed it (publisher confirms). When the
 * broker closed the channel instead, rejects with the broker's reason (code 406 and its text) rather than
 * amqplib's bare "channel closed".
 */
export function publishConfirmed(channel: ConfirmChannel, exchange: string, routingKey: string, content: Buffer, options: Options.Publish): Promise<void> {
  watch(channel);
  return new Promise<void>((resolve, reject) => {
    channel.publish(exchange, routingKey, content, options, (err: unknown) => {
      if (!err) return resolve();
      reject(closeErrors.get(channel) ?? (err instanceof Error ? err : new Error('the broker did not confirm the message')));
    });
  });
}

let routedSeq = 0;

/**
 * Publishes with `mandatory` and resolves, once confirmed, with whether any queue took the message: the broker
 * returns an unroutable mandatory message (basic.return) before it confirms it.
 */
export async function publishRoutedConfirmed(channel: ConfirmChannel, exchange: string, routingKey: string, content: Buffer, options: Options.Publish): Promise<'routed' | 'unroutable'> {
  const tag = `${process.pid}-${(routedSeq += 1)}`;
  let returned = false;
  const onReturn = (msg: { properties: { headers?: Record<string, unknown> } }) => {
    if (msg.properties.headers?.['x-attune-temporal-publish-tag'] === tag) returned = true;
  };
  channel.on('return', onReturn);
  try {
    const headers: Record<string, unknown> = { ...(options.headers as Record<string, unknown> | undefined), 'x-attune-temporal-publish-tag': tag };
    await publishConfirmed(channel, exchange, routingKey, content, { ...options, mandatory: true, headers });
    return returned ? 'unroutable' : 'routed';
  } finally {
    channel.off('return', onReturn);
  }
}
