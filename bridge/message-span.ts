import { SpanKind, SpanStatusCode, type Attributes, type Tracer } from '@opentelemetry/api';
import type { Pool } from 'pg';
import type { IncomingEnvelope } from '../src/attune/envelope';
import { loadTraceTag } from '../src/attune/db/executions';
import type { Verdict } from './consumer';

export interface MessageSpanDeps {
  /** Unset when tracing is off: the message is handled as is. */
  tracer?: Tracer;
  db: Pool;
  pool: string;
  workerId: number;
}

/**
 * One span per handling of an execution's message (a held message retried in process gets one per attempt), the
 * root of the execution's trace: the workflow start made inside it carries its context. Attune's `trace_tag` is read
 * from the row (only when tracing): a tag that cannot be read leaves the span without it, never fails the message.
 */
export async function withMessageSpan(
  deps: MessageSpanDeps,
  name: 'dispatch' | 'cancel',
  message: { execution_id: number; action_ref?: string },
  envelope: IncomingEnvelope,
  handle: () => Promise<Verdict>,
): Promise<Verdict> {
  const { tracer } = deps;
  if (!tracer) return handle();
  const attributes: Attributes = {
    'attune.execution_id': message.execution_id,
    'attune.pool': deps.pool,
    'attune.worker_id': deps.workerId,
    'messaging.system': 'rabbitmq',
    'messaging.message.id': envelope.message_id,
    'attune.message_type': envelope.message_type,
  };
  if (message.action_ref) attributes['attune.action_ref'] = message.action_ref;
  return tracer.startActiveSpan(`attune.${name}`, { kind: SpanKind.CONSUMER, attributes }, async (span) => {
    try {
      const traceTag = await loadTraceTag(deps.db, message.execution_id).catch(() => null);
      if (traceTag) span.setAttribute('attune.trace_tag', traceTag);
      const verdict = await handle();
      span.setAttribute('attune.verdict', verdict.kind);
      return verdict;
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}
