import type { OutgoingEnvelope } from './envelope';
import type { ExecutionCompletedPayload } from './messages';

/**
 * Our bound on one published message: 16 MiB, RabbitMQ 4's default `max_message_size` (3.8–3.13 default
 * to 128 MiB, the installed test broker 3.10.8 reports 134217728). A broker closes the channel with a 406
 * for a message over its limit, so we never send one we know to be over.
 */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export interface FittedMessage {
  body: Buffer;
  /** Set when the result was replaced: the size of the whole envelope and the bound it exceeded. */
  truncated: { bytes: number; maxBytes: number } | null;
}

/**
 * Serializes an ExecutionCompleted envelope; when it is over `maxBytes` (bytes of UTF-8, after JSON
 * escaping), `payload.result` alone is replaced by `{ truncated: true, reason }`. Consumers lose nothing:
 * Attune's executor reloads the execution row, which keeps the whole result. The envelope passed in is
 * not changed.
 */
export function fitCompletedEnvelope(envelope: OutgoingEnvelope<ExecutionCompletedPayload>, maxBytes: number = MAX_MESSAGE_BYTES): FittedMessage {
  const body = Buffer.from(JSON.stringify(envelope));
  if (body.length <= maxBytes) return { body, truncated: null };
  const reason = `ExecutionCompleted is ${body.length} bytes, over the ${maxBytes}-byte message bound: the result is in the execution row`;
  const small = { ...envelope, payload: { ...envelope.payload, result: { truncated: true, reason } } };
  return { body: Buffer.from(JSON.stringify(small)), truncated: { bytes: body.length, maxBytes } };
}
