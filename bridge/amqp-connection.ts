import amqp, { type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { openWithBackoff, StopRequested, type Lifecycle } from '../src/lifecycle';
import type { Logger } from '../src/log';

/** What consumers need of the connection: fresh channels, and whether the connection they were made on still stands. */
export interface ChannelSource {
  channel(): Promise<Channel>;
  /** Bumped on every reconnect: a consumer of an older generation is re-attached by the reconnect, not by itself. */
  readonly generation: number;
  readonly isOpen: boolean;
}

/**
 * The bridge's AMQP connection, reconnected in process: when the broker goes away (restart, failover,
 * network) it is re-opened with backoff for as long as it takes, then every `onReconnected` callback runs
 * (topology re-declared, consumers re-attached). A lazily re-created confirm channel serves publishing.
 * Consumers get their own channels (a channel error closes only that channel).
 */
export class AmqpConnection implements ChannelSource {
  private confirm: Promise<ConfirmChannel> | null = null;
  private open = true;
  private closing = false;
  private gen = 1;
  private readonly reconnected: (() => Promise<void>)[] = [];

  private constructor(
    private model: ChannelModel,
    private readonly url: string,
    private readonly log: Logger,
    private readonly lifecycle: Lifecycle,
  ) {
    this.watch(model);
  }

  static async open(url: string, log: Logger, lifecycle: Lifecycle): Promise<AmqpConnection> {
    return new AmqpConnection(await amqp.connect(url), url, log, lifecycle);
  }

  get isOpen(): boolean {
    return this.open;
  }

  get generation(): number {
    return this.gen;
  }

  /** Runs after each reconnect, in registration order. */
  onReconnected(callback: () => Promise<void>): void {
    this.reconnected.push(callback);
  }

  private watch(model: ChannelModel): void {
    model.on('error', (err: Error) => this.log.error({ err }, 'AMQP connection error'));
    model.once('close', () => {
      this.open = false;
      this.confirm = null;
      if (this.closing || this.lifecycle.stopping) return;
      this.log.error('AMQP connection lost; reconnecting (unacked messages are redelivered by the broker)');
      void this.reconnect();
    });
  }

  private async reconnect(): Promise<void> {
    try {
      const model = await openWithBackoff(this.lifecycle, 'RabbitMQ', () => amqp.connect(this.url));
      this.model = model;
      this.gen += 1;
      this.open = true;
      this.watch(model);
      for (const callback of this.reconnected) await callback();
      this.log.info({ generation: this.gen }, 'AMQP reconnected: topology re-declared, consumers re-attached');
    } catch (err) {
      if (err instanceof StopRequested) return;
      // A callback failed on the new connection: drop it, and the close handler starts over.
      this.log.error({ err }, 'AMQP re-attach failed; reconnecting again');
      await this.model.close().catch(() => undefined);
    }
  }

  confirmChannel(): Promise<ConfirmChannel> {
    if (!this.confirm) {
      const pending = this.model.createConfirmChannel().then((ch) => {
        ch.on('error', (err: Error) => this.log.warn({ err }, 'publish channel error'));
        ch.on('close', () => {
          if (this.confirm === pending) this.confirm = null;
        });
        return ch;
      });
      this.confirm = pending;
      pending.catch(() => {
        if (this.confirm === pending) this.confirm = null;
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
    this.closing = true;
    await this.model.close().catch(() => undefined);
  }
}
