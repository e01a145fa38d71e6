import { z } from 'zod';
import { parseOrThrow, type IncomingEnvelope } from './envelope';

/** Payloads of the messages a worker consumes and publishes (crates/common/src/mq/messages.rs). */
const id = z.number().int().safe();

/** Worker dispatch: the executor reuses the ExecutionRequested type with a per-worker routing key. */
export const executionDispatchSchema = z.object({
  execution_id: id,
  worker_id: id,
  action_ref: z.string(),
  config: z.unknown().optional(),
  scheduled_attempt_updated_at: z.string().nullish(),
  release_id: id.nullish().transform((v) => v ?? null),
  release_digest: z.string().nullish().transform((v) => v ?? null),
});
export type ExecutionDispatch = z.infer<typeof executionDispatchSchema>;

export const executionCancelRequestedSchema = z.object({ execution_id: id, worker_id: id });
export type ExecutionCancelRequested = z.infer<typeof executionCancelRequestedSchema>;

export const packRegisteredSchema = z.object({
  pack_id: id,
  pack_ref: z.string(),
  version: z.string(),
  release_id: id,
  release_digest: z.string(),
  runtime_names: z.array(z.string()).default([]),
});
export const packDeletedSchema = z.object({ pack_id: id, pack_ref: z.string() });

export const packTestRequestedSchema = z.object({
  pack_install_id: id,
  pack_ref: z.string(),
  pack_version: z.string(),
  candidate_path: z.string().nullish(),
  candidate_access_token: z.string().optional(),
  trigger_reason: z.string(),
  required_runtimes: z.array(z.string()).default([]),
});
export type PackTestRequested = z.infer<typeof packTestRequestedSchema>;

export interface ExecutionStatusChangedPayload {
  execution_id: number;
  action_ref: string;
  previous_status: string;
  new_status: string;
  changed_at: string;
}

/** `ExecutionRequestedPayload` to `execution.requested`: how Attune's components hand a new execution to its scheduler. */
export interface ExecutionRequestedPayload {
  execution_id: number;
  action_id: number | null;
  action_ref: string;
  parent_id: number | null;
  enforcement_id: number | null;
  config: unknown;
  /** Omitted when null, as Attune serialises them. */
  release_id?: number;
  release_digest?: string;
}

export interface ExecutionCompletedPayload {
  execution_id: number;
  action_id: number;
  action_ref: string;
  status: string;
  result: unknown;
  completed_at: string;
}

/** Validates an envelope's payload against the schema its message_type calls for. */
export function payloadOf<S extends z.ZodType>(envelope: IncomingEnvelope, schema: S): z.infer<S> {
  return parseOrThrow(schema, envelope.payload, `invalid ${envelope.message_type} payload`);
}
