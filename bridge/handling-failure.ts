import { classifyFault, type Fault } from '../src/attune/fault';

/** gRPC status codes that mean "Temporal is away or busy, try again": DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, UNAVAILABLE. */
const TRANSIENT_GRPC_CODES = new Set([4, 8, 10, 14]);

/**
 * Why handling a delivered message failed: Temporal's client errors carry a gRPC status (on the error or
 * its cause); database and network errors are classified by {@link classifyFault}.
 */
export function classifyHandlingFailure(err: unknown): Fault {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number' && TRANSIENT_GRPC_CODES.has(code)) return { kind: 'transient', reason: `Temporal unavailable: ${(e as Error).message}` };
  }
  return classifyFault(err);
}
