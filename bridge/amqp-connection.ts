import amqp, { type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { Logger } from '../src/log';

/**
 * One AMQP connection for the bridge, with a lazily re-created confirm channel for publishing.
 * Consumers get their own channels (a channel error closes only that channel).
 */
export class AmqpConnection {
  private confirm: Promise<ConfirmChannel> | null = null;
  private open = true;

  private constructor(
    readonly model: ChannelModel,
    private readonly log: Logger,
  ) {
    model.on('error', (err: Error) => log.error({ err }, 'AMQP connection error'));
    model.on('close', () => {
      this.open = false;
    });
  }

  get isOpen(): boolean {
    return this.open;
  }

  static async open(url: string, log: Logger): Promise<AmqpConnection> {
    return new AmqpConnection(await amqp.connect(url), log);
  }

  confirmChannel(): Promise<ConfirmChannel> {
    if (!this.confirm) {
      this.confirm = this.model.createConfirmChannel().then((ch) => {
        ch.on('error', (err: Error) => this.log.warn({ err }, 'publish channel error'));
        ch.on('close', () => {
          this.confirm = null;
        });
        return ch;
      });
      this.confirm.catch(() => {
        this.confirm = null;
      });
    }
    return this.confirm;
  }

  async channel(): Promise<Channel> {
    const ch = await this.model.createChannel();
    ch.on('error', (err: Error) => this.log.warn({ err }, 'consumer channel error'));
    return ch;
  }

  async close(): Promise<void> {
    await this.model.close().catch(() => undefined);
  }
}
