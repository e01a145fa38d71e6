import type { ConsumeMessage } from 'amqplib';
import { deadLetterVerdict } from '../../bridge/dead-letters';
import { classifyHandlingFailure } from '../../bridge/handling-failure';

const msg = (headers: Record<string, unknown>) => ({ properties: { headers } }) as unknown as Pick<ConsumeMessage, 'properties'>;
const death = (reason: string, exchange = 'attune.executions', key = 'execution.dispatch.worker.7') => ({
  'x-death': [{ reason, queue: 'worker.7.executions', exchange, 'routing-keys': [key], count: 1 }],
});

describe('dead-lettered messages', () => {
  it('a dispatch or cancel the broker expired from its queue is replayed to its exchange and routing key', () => {
    expect(deadLetterVerdict(msg(death('expired')))).toEqual({ kind: 'replay', exchange: 'attune.executions', routingKey: 'execution.dispatch.worker.7' });
    expect(deadLetterVerdict(msg(death('expired', 'attune.executions', 'execution.cancel.worker.7')))).toMatchObject({ kind: 'replay', routingKey: 'execution.cancel.worker.7' });
  });

  it('what we dead-lettered ourselves, what was rejected, and what came from elsewhere is parked, never replayed', () => {
    expect(deadLetterVerdict(msg({ ...death('expired'), 'x-parked-reason': 'invalid payload' }))).toEqual({ kind: 'park', reason: 'invalid payload', ours: true });
    expect(deadLetterVerdict(msg(death('rejected')))).toEqual({ kind: 'park', reason: 'dead-lettered by the broker (rejected) from worker.7.executions', ours: false });
    expect(deadLetterVerdict(msg(death('expired', 'attune.events', 'pack.registered')))).toMatchObject({ kind: 'park' });
    expect(deadLetterVerdict(msg({}))).toEqual({ kind: 'park', reason: 'dead-lettered by the broker (no x-death) from an unknown queue', ours: false });
  });
});

describe('handling failures', () => {
  it('Temporal unavailable (gRPC UNAVAILABLE / DEADLINE_EXCEEDED, on the error or its cause) is transient', () => {
    const grpc = Object.assign(new Error('14 UNAVAILABLE: connection refused'), { code: 14 });
    expect(classifyHandlingFailure(Object.assign(new Error('Failed to signalWithStart'), { cause: grpc })).kind).toBe('transient');
    expect(classifyHandlingFailure(Object.assign(new Error('deadline'), { code: 4 })).kind).toBe('transient');
  });

  it('a bug is not transient: retried a bounded number of times, then parked', () => {
    expect(classifyHandlingFailure(new TypeError('x is undefined')).kind).toBe('unknown');
    expect(classifyHandlingFailure(Object.assign(new Error('invalid argument'), { code: 3 })).kind).toBe('unknown');
  });
});
