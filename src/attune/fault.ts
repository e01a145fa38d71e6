/**
 * Which errors of the report path (PostgreSQL, the broker, serializing the result) are worth retrying.
 *
 * - transient: the dependency is away or busy; the same write will succeed later. Temporal retries.
 * - permanent: the same input fails the same way every time; retrying wedges the execution for ever.
 *   The caller writes (or publishes) something smaller instead.
 * - unknown: anything else. Retried like transient (the behaviour before this classification): a bug
 *   or an unfamiliar error must not turn a result into a failure.
 *
 * | what | kind |
 * |---|---|
 * | SQLSTATE class 08 (connection exception), 57P01–57P03 (shutdown, cannot connect now), 57014 (statement timeout / cancel), class 53 (insufficient resources), 40001 / 40P01 (serialization failure, deadlock) | transient |
 * | errno ECONNREFUSED, ECONNRESET, ETIMEDOUT, EPIPE, EHOSTUNREACH, ENETUNREACH, EAI_AGAIN, ENOTFOUND | transient |
 * | SQLSTATE class 22 (data exception: bad JSON, NUL, out of range), 23 (integrity), 42 (syntax, undefined object), 54 (program limit: too deep, too large) | permanent |
 * | {@link MessageTooLargeError} (over our message bound) | permanent |
 * | RangeError "Maximum call stack size exceeded" (a result nested too deeply for JSON.stringify) | permanent |
 * | anything else (other SQLSTATEs, "Connection terminated unexpectedly", pool timeouts, broker closes) | unknown |
 */
export type FaultKind = 'transient' | 'permanent' | 'unknown';

export interface Fault {
  kind: FaultKind;
  /** One line for logs and for the stored error text. */
  reason: string;
}

const TRANSIENT_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
const TRANSIENT_SQLSTATE = new Set(['57P01', '57P02', '57P03', '57014', '40001', '40P01']);
const TRANSIENT_CLASSES = new Set(['08', '53']);
const PERMANENT_CLASSES = new Set(['22', '23', '42', '54']);

/** A message we refuse to publish: over our bound (the broker would close the channel with a 406). */
export class MessageTooLargeError extends Error {
  override name = 'MessageTooLargeError';
  constructor(
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`message of ${bytes} bytes is over the ${maxBytes}-byte bound`);
  }
}

export function classifyFault(err: unknown): Fault {
  if (err instanceof MessageTooLargeError) return { kind: 'permanent', reason: err.message };
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    return { kind: 'permanent', reason: `result nested too deeply to serialize (${err.message})` };
  }
  const e = (err ?? {}) as { code?: unknown; message?: unknown; detail?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  const code = typeof e.code === 'string' ? e.code : null;
  if (code !== null && TRANSIENT_ERRNO.has(code)) return { kind: 'transient', reason: message };
  if (code !== null && /^[0-9A-Z]{5}$/.test(code)) {
    const cls = code.slice(0, 2);
    if (TRANSIENT_SQLSTATE.has(code) || TRANSIENT_CLASSES.has(cls)) return { kind: 'transient', reason: `${message} [SQLSTATE ${code}]` };
    if (PERMANENT_CLASSES.has(cls)) {
      const detail = typeof e.detail === 'string' && e.detail !== '' ? ` (${e.detail})` : '';
      return { kind: 'permanent', reason: `${message}${detail} [SQLSTATE ${code}]` };
    }
  }
  return { kind: 'unknown', reason: message };
}

/**
 * The broker's own max message size, when `err` is its 406 channel close for a message over it
 * (RabbitMQ: "PRECONDITION_FAILED - message size N is larger than [configured ]max size M"); else null.
 * Every message unconfirmed on that channel fails with this same error, so the caller compares its own
 * size with M to tell whether it was the one too large.
 */
export function brokerMaxMessageBytes(err: unknown): number | null {
  const e = (err ?? {}) as { code?: unknown; message?: unknown };
  if (e.code !== 406 || typeof e.message !== 'string') return null;
  const m = /message size \d+ is larger than (?:configured )?max size (\d+)/.exec(e.message);
  return m ? Number(m[1]) : null;
}
