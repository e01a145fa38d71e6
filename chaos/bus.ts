import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { EXCHANGES } from '../src/attune/topology';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Publishes as Attune's executor and API do, through broker restarts: each message is retried on a fresh
 * connection until the broker confirms it (a publish whose confirm was lost may arrive twice: a duplicate
 * dispatch or cancel, which the bridge must settle).
 */
export class ReconnectingPublisher {
  private model: ChannelModel | null = null;
  private channel: ConfirmChannel | null = null;
  private closed = false;

  constructor(private readonly url: string) {}

  async publish(routingKey: string, body: object): Promise<void> {
    const content = Buffer.from(JSON.stringify(body));
    for (;;) {
      if (this.closed) throw new Error('publisher closed');
      try {
        const ch = await this.open();
        ch.publish(EXCHANGES.executions, routingKey, content, { persistent: true, contentType: 'application/json' });
        await ch.waitForConfirms();
        return;
      } catch {
        this.drop();
        await sleep(1000);
      }
    }
  }

  private async open(): Promise<ConfirmChannel> {
    if (this.channel) return this.channel;
    const model = await amqp.connect(this.url);
    model.on('error', () => this.drop());
    model.on('close', () => this.drop());
    const ch = await model.createConfirmChannel();
    ch.on('error', () => this.drop());
    ch.on('close', () => this.drop());
    this.model = model;
    this.channel = ch;
    return ch;
  }

  private drop(): void {
    const model = this.model;
    this.model = null;
    this.channel = null;
    model?.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.drop();
  }
}
