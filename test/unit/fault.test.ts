import { brokerMaxMessageBytes, classifyFault, MessageTooLargeError } from '../../src/attune/fault';
import { fitCompletedEnvelope, MAX_MESSAGE_BYTES } from '../../src/attune/message-size';
import { newEnvelope } from '../../src/attune/envelope';
import type { ExecutionCompletedPayload } from '../../src/attune/messages';

/** What node-postgres throws for a server error: an Error with the SQLSTATE in `code`. */
const pgError = (code: string, message = `pg ${code}`, detail?: string) => Object.assign(new Error(message), { code, severity: 'ERROR', detail });
const sysError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, errno: -111, syscall: 'connect' });

describe('classifyFault', () => {
  it.each([
    ['08006', 'connection failure'],
    ['08001', 'cannot establish connection'],
    ['57P01', 'admin shutdown'],
    ['57P02', 'crash shutdown'],
    ['57P03', 'cannot connect now'],
    ['57014', 'statement timeout / query cancelled'],
    ['53300', 'too many connections'],
    ['53100', 'disk full'],
    ['40001', 'serialization failure'],
    ['40P01', 'deadlock'],
  ])('SQLSTATE %s (%s) is transient: Temporal keeps retrying', (code) => {
    expect(classifyFault(pgError(code)).kind).toBe('transient');
  });

  it.each([
    ['22P05', 'unsupported Unicode escape sequence'],
    ['22P02', 'invalid input syntax for type json'],
    ['22021', 'invalid byte sequence for encoding "UTF8": 0x00'],
    ['22003', 'numeric value out of range'],
    ['23505', 'duplicate key value violates unique constraint'],
    ['23514', 'new row violates check constraint'],
    ['42P01', 'relation "execution" does not exist'],
    ['42703', 'column "result" does not exist'],
    ['42601', 'syntax error'],
    ['54001', 'stack depth limit exceeded'],
    ['54000', 'total size of jsonb array elements exceeds the maximum'],
  ])('SQLSTATE %s (%s) is permanent, and the reason names it', (code, message) => {
    const fault = classifyFault(pgError(code, message, 'some detail.'));
    expect(fault).toEqual({ kind: 'permanent', reason: `${message} (some detail.) [SQLSTATE ${code}]` });
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'])('%s is transient', (code) => {
    expect(classifyFault(sysError(code)).kind).toBe('transient');
  });

  it('treats a message too large for the broker as permanent', () => {
    expect(classifyFault(new MessageTooLargeError(20_000_000, 16_777_216))).toEqual({ kind: 'permanent', reason: 'message of 20000000 bytes is over the 16777216-byte bound' });
  });

  it('treats a value too deep to serialize as permanent (JSON.stringify recursion)', () => {
    let deep: unknown = [];
    for (let i = 0; i < 200_000; i++) deep = [deep];
    let thrown: unknown;
    try {
      JSON.stringify(deep);
    } catch (err) {
      thrown = err;
    }
    expect(classifyFault(thrown)).toEqual({ kind: 'permanent', reason: 'result nested too deeply to serialize (Maximum call stack size exceeded)' });
  });

  it('leaves anything else to Temporal retries as today (unknown)', () => {
    expect(classifyFault(new Error('Connection terminated unexpectedly')).kind).toBe('unknown');
    expect(classifyFault(new Error('timeout exceeded when trying to connect')).kind).toBe('unknown');
    expect(classifyFault(pgError('XX000', 'internal error')).kind).toBe('unknown');
    expect(classifyFault('a string').kind).toBe('unknown');
    expect(classifyFault(undefined).kind).toBe('unknown');
    expect(classifyFault(Object.assign(new Error('channel closed'), { code: 406 })).kind).toBe('unknown');
  });
});

describe('message size rule', () => {
  const payload = (result: unknown): ExecutionCompletedPayload => ({ execution_id: 7, action_id: 3, action_ref: 'p.a', status: 'completed', result, completed_at: '2026-01-01T00:00:00.000Z' });

  it('defaults to 16 MiB, the max message size of RabbitMQ 4 (3.8–3.13 allow 128 MiB)', () => {
    expect(MAX_MESSAGE_BYTES).toBe(16 * 1024 * 1024);
  });

  it('publishes an envelope within the bound exactly as serialized', () => {
    const env = newEnvelope('ExecutionCompleted', payload({ succeeded: true, stdout: 'x'.repeat(1000) }), 'worker');
    const fitted = fitCompletedEnvelope(env, MAX_MESSAGE_BYTES);
    expect(fitted.truncated).toBeNull();
    expect(fitted.body.equals(Buffer.from(JSON.stringify(env)))).toBe(true);
  });

  it('counts bytes, not characters, and keeps an envelope of exactly the bound', () => {
    const env = newEnvelope('ExecutionCompleted', payload({ stdout: 'é'.repeat(500) }), 'worker');
    const bytes = Buffer.byteLength(JSON.stringify(env));
    expect(bytes).toBeGreaterThan(JSON.stringify(env).length);
    expect(fitCompletedEnvelope(env, bytes).truncated).toBeNull();
    expect(fitCompletedEnvelope(env, bytes - 1).truncated).toEqual({ bytes, maxBytes: bytes - 1 });
  });

  it('replaces only the result by a small stand-in when the envelope is over the bound', () => {
    // JSON escaping counts: 3 MiB of control characters serialize to 18 MiB.
    const env = newEnvelope('ExecutionCompleted', payload({ succeeded: true, stdout: '\u0001'.repeat(3 * 1024 * 1024) }), 'worker');
    const fitted = fitCompletedEnvelope(env, MAX_MESSAGE_BYTES);
    expect(fitted.truncated).toEqual({ bytes: Buffer.byteLength(JSON.stringify(env)), maxBytes: MAX_MESSAGE_BYTES });
    expect(fitted.body.length).toBeLessThan(1024);
    const sent = JSON.parse(fitted.body.toString('utf8')) as typeof env;
    expect(sent).toEqual({
      ...env,
      payload: { ...env.payload, result: { truncated: true, reason: `ExecutionCompleted is ${fitted.truncated!.bytes} bytes, over the ${MAX_MESSAGE_BYTES}-byte message bound: the result is in the execution row` } },
    });
    expect(env.payload.result).toMatchObject({ succeeded: true }); // the caller's envelope is untouched
  });

  it('reads the broker\'s own limit from its 406 close', () => {
    const closed = (text: string) => Object.assign(new Error(`Channel closed by server: 406 (PRECONDITION-FAILED) with message "${text}"`), { code: 406 });
    expect(brokerMaxMessageBytes(closed('PRECONDITION_FAILED - message size 134217829 is larger than configured max size 134217728'))).toBe(134217728);
    expect(brokerMaxMessageBytes(closed('PRECONDITION_FAILED - message size 600000000 is larger than max size 536870912'))).toBe(536870912);
    expect(brokerMaxMessageBytes(closed('PRECONDITION_FAILED - inequivalent arg \'durable\''))).toBeNull();
    expect(brokerMaxMessageBytes(new Error('message size 5 is larger than configured max size 4'))).toBeNull(); // not a broker close
    expect(brokerMaxMessageBytes(undefined)).toBeNull();
  });
});
