import type { Pool } from 'pg';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Tracer } from '@opentelemetry/api';
import type { IncomingEnvelope } from '../src/attune/envelope';
import { payloadOf, executionCancelRequestedSchema, executionDispatchSchema, packTestRequestedSchema } from '../src/attune/messages';
import type { workerQueues } from '../src/attune/topology';
import type { Logger } from '../src/log';
import type { Handler, Verdict } from './consumer';
import { acceptCancel, acceptDispatch } from './execution-handlers';
import { refusePackTest } from './pack-handlers';
import type { LegacyExecutions } from './legacy-executions';
import type { ExecutionHandlerDeps } from './execution-handlers';
import { withMessageSpan } from './message-span';

export type PoolQueue = keyof ReturnType<typeof workerQueues>;

interface MessageRoute {
  schema: z.ZodType;
  handle: (payload: unknown, envelope: IncomingEnvelope) => Promise<Verdict>;
}

/** Binds a schema to its handler so the handler receives the payload typed by that very schema. */
function route<S extends z.ZodType>(schema: S, handle: (payload: z.infer<S>, envelope: IncomingEnvelope) => Promise<Verdict>): MessageRoute {
  return { schema, handle: (payload, envelope) => handle(payload as z.infer<S>, envelope) };
}

export interface RouteDeps {
  client: Client;
  db: Pool;
  bridgeTaskQueue: string;
  workerId: number;
  pool: string;
  log: Logger;
  legacy: LegacyExecutions;
  searchAttributes: ExecutionHandlerDeps['searchAttributes'];
  metrics?: ExecutionHandlerDeps['metrics'];
  /** Set when tracing is on: each dispatch and cancel is handled in a span (message-span.ts). */
  tracer?: Tracer;
}

/** Pack events are consumed only so the queue cannot grow (environments are built lazily): nothing in them is used. */
const packEvent = route(z.unknown(), async () => ({ kind: 'ack' }));

/**
 * Every queue the bridge consumes for a pool, the message types each accepts, their payload schemas and
 * handlers: the one table. Anything else on a queue is parked with the reason.
 */
export function poolRoutes(deps: RouteDeps): Record<PoolQueue, Record<string, MessageRoute>> {
  return {
    executions: {
      ExecutionRequested: route(executionDispatchSchema, (payload, envelope) => withMessageSpan(deps, 'dispatch', payload, envelope, () => acceptDispatch(deps, payload, envelope))),
    },
    cancel: {
      ExecutionCancelRequested: route(executionCancelRequestedSchema, (payload, envelope) => withMessageSpan(deps, 'cancel', payload, envelope, () => acceptCancel(deps, payload, envelope))),
    },
    packs: { PackRegistered: packEvent, PackDeleted: packEvent },
    packtests: { PackTestRequested: route(packTestRequestedSchema, (payload) => refusePackTest(deps, payload)) },
  };
}

/** The handler of one queue: its message types are routed by the table; a foreign type or an invalid payload is parked. */
export function queueHandler(queue: PoolQueue, routes: Record<string, MessageRoute>): Handler {
  return async (envelope) => {
    const found = Object.hasOwn(routes, envelope.message_type) ? routes[envelope.message_type] : undefined;
    if (!found) return { kind: 'park', reason: `unexpected message_type "${envelope.message_type}" on the ${queue} queue`, category: 'unexpected_message_type' };
    let payload: unknown;
    try {
      payload = payloadOf(envelope, found.schema);
    } catch (err) {
      return { kind: 'park', reason: (err as Error).message, category: 'invalid_payload' };
    }
    return found.handle(payload, envelope);
  };
}
