import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/**
 * Attune's `MessageEnvelope<T>` (crates/common/src/mq/messages.rs). Decoding is lenient like serde's:
 * unknown fields are ignored, a missing message_id / correlation_id is generated, timestamp is required.
 */
export const envelopeSchema = z.object({
  message_id: z.string().nullish(),
  correlation_id: z.string().nullish(),
  message_type: z.string().min(1),
  version: z.string().default('1.0'),
  timestamp: z.string().min(1),
  headers: z.record(z.string(), z.unknown()).default({ retry_count: 0 }),
  payload: z.unknown(),
});

export type IncomingEnvelope = z.infer<typeof envelopeSchema> & { message_id: string; correlation_id: string };

export interface OutgoingEnvelope<P> {
  message_id: string;
  correlation_id: string;
  message_type: string;
  version: '1.0';
  timestamp: string;
  headers: { retry_count: number; source_service: string };
  payload: P;
}

/** A fresh envelope: like `MessageEnvelope::new`, correlation_id equals message_id. */
export function newEnvelope<P>(messageType: string, payload: P, sourceService: string): OutgoingEnvelope<P> {
  const id = randomUUID();
  return {
    message_id: id,
    correlation_id: id,
    message_type: messageType,
    version: '1.0',
    timestamp: new Date().toISOString(),
    headers: { retry_count: 0, source_service: sourceService },
    payload,
  };
}

/** Parses raw bytes into an envelope; throws a readable reason when it is not one. */
export function decodeEnvelope(body: Buffer): IncomingEnvelope {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new Error(`body is not JSON: ${(err as Error).message}`);
  }
  const envelope = parseOrThrow(envelopeSchema, json, 'not an Attune envelope');
  return {
    ...envelope,
    message_id: envelope.message_id ?? randomUUID(),
    correlation_id: envelope.correlation_id ?? randomUUID(),
  };
}

/**
 * `schema` applied to a value from outside; anything else throws `<what>: <readable reason>`. zod itself can throw on
 * a hostile value (a `.min()` after a failed type check reads the value's `length` and prints it, and
 * `{"length":{"toString":[]}}` cannot be printed): that is a value which is not of the schema too.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  let parsed: z.ZodSafeParseResult<z.infer<S>>;
  try {
    parsed = schema.safeParse(value);
  } catch (err) {
    throw new Error(`${what}: the value could not be checked (${err instanceof Error ? err.message : 'unreadable'})`);
  }
  if (!parsed.success) throw new Error(`${what}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

function describeZodError(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}
