import amqp from 'amqplib';
import { EXCHANGES, ROUTING } from '../src/attune/topology';
import { nowMs } from './stats';

/** Our own observer of the bus that timestamps each ExecutionCompleted the moment it arrives. */
export class CompletionClock {
  private readonly seen = new Map<number, number>();
  private readonly waiters = new Map<number, (t: number) => void>();
  private conn?: amqp.ChannelModel;
  channel?: amqp.Channel;

  async start(url: string): Promise<void> {
    this.conn = await amqp.connect(url);
    const ch = await this.conn.createChannel();
    this.channel = ch;
    await ch.assertExchange(EXCHANGES.executions, 'topic', { durable: true });
    const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
    await ch.bindQueue(queue, EXCHANGES.executions, ROUTING.completed);
    await ch.consume(queue, (msg) => {
      if (!msg) return;
      const t = nowMs();
      const id = Number((JSON.parse(msg.content.toString('utf8')) as { payload: { execution_id: number } }).payload.execution_id);
      this.seen.set(id, t);
      this.waiters.get(id)?.(t);
    }, { noAck: true });
  }

  wait(id: number, timeoutMs = 120_000): Promise<number> {
    const t = this.seen.get(id);
    if (t !== undefined) return Promise.resolve(t);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ExecutionCompleted for ${id} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.set(id, (at) => {
        clearTimeout(timer);
        this.waiters.delete(id);
        resolve(at);
      });
    });
  }

  async close(): Promise<void> {
    await this.conn?.close().catch(() => undefined);
  }
}
