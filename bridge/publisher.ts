import type { ConfirmChannel } from 'amqplib';
import { publishConfirmed } from './confirm-publish';
import { newEnvelope, type OutgoingEnvelope } from '../src/attune/envelope';
import { brokerMaxMessageBytes, MessageTooLargeError } from '../src/attune/fault';
import { fitCompletedEnvelope, MAX_MESSAGE_BYTES } from '../src/attune/message-size';
import { EXCHANGES, ROUTING } from '../src/attune/topology';
import type { ExecutionCompletedPayload, ExecutionRequestedPayload, ExecutionStatusChangedPayload } from '../src/attune/messages';
import type { Logger } from '../src/log';

export interface PublisherOptions {
  log?: Logger;
  /** Our bound on one message (default 16 MiB, see MAX_MESSAGE_BYTES). */
  maxMessageBytes?: number;
}

/**
 * Publishes the two messages a worker sends, as Attune's publisher does: persistent, JSON, message and
 * correlation ids in the properties, and waits for the broker's confirm before returning.
 *
 * Sizes are checked before anything is sent: a message over the broker's limit makes it close the shared
 * confirm channel (406), failing every message in flight with it. ExecutionCompleted over the bound goes
 * out with a stand-in result; any other message over it is refused (MessageTooLargeError, permanent).
 * A broker whose limit is below our bound closes the channel once: its limit (from the 406) is kept and
 * every later message is fitted to it before sending.
 */
export class AttunePublisher {
  private readonly maxBytes: number;
  /** The broker's own limit once it told us (a 406 for size), when lower than ours. */
  private brokerMax: number | null = null;

  constructor(
    private readonly channel: () => Promise<ConfirmChannel>,
    private readonly opts: PublisherOptions = {},
  ) {
    this.maxBytes = opts.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  }

  private get bound(): number {
    return Math.min(this.maxBytes, this.brokerMax ?? Infinity);
  }

  async statusChanged(payload: ExecutionStatusChangedPayload): Promise<void> {
    await this.publish(EXCHANGES.executions, ROUTING.statusChanged, 'ExecutionStatusChanged', payload);
  }

  /** A new execution (a retry the bridge created) for Attune's scheduler, as its API and executor announce one. */
  async requested(payload: ExecutionRequestedPayload): Promise<void> {
    await this.publish(EXCHANGES.executions, ROUTING.requested, 'ExecutionRequested', payload);
  }

  async completed(payload: ExecutionCompletedPayload): Promise<void> {
    const envelope = newEnvelope('ExecutionCompleted', payload, 'worker');
    const send = async (last: boolean) => {
      const fitted = fitCompletedEnvelope(envelope, this.bound);
      if (fitted.truncated) {
        this.opts.log?.warn({ executionId: payload.execution_id, ...fitted.truncated }, 'ExecutionCompleted over the message bound: published with a stand-in result (the row has the whole result)');
      }
      try {
        await this.send(EXCHANGES.executions, ROUTING.completed, envelope, fitted.body);
        return true;
      } catch (err) {
        // Ours was too large only if it is over the limit the broker states: the 406 may be another's.
        const max = brokerMaxMessageBytes(err);
        if (last || max === null || fitted.body.length <= max) throw err;
        this.learnBrokerMax(max);
        return false;
      }
    };
    if (!(await send(false))) await send(true); // fitted to the broker's limit this time
  }

  async publish(exchange: string, routingKey: string, messageType: string, payload: unknown, sourceService = 'worker'): Promise<void> {
    const envelope = newEnvelope(messageType, payload, sourceService);
    const body = Buffer.from(JSON.stringify(envelope));
    if (body.length > this.bound) throw new MessageTooLargeError(body.length, this.bound);
    try {
      await this.send(exchange, routingKey, envelope, body);
    } catch (err) {
      const max = brokerMaxMessageBytes(err);
      if (max !== null && body.length > max) {
        this.learnBrokerMax(max);
        throw new MessageTooLargeError(body.length, max);
      }
      throw err;
    }
  }

  private learnBrokerMax(max: number): void {
    if (max >= this.bound) return;
    this.brokerMax = max;
    this.opts.log?.warn({ brokerMaxBytes: max, ourBoundBytes: this.maxBytes }, 'the broker\'s max message size is below our bound: fitting messages to it from now on');
  }

  private async send(exchange: string, routingKey: string, envelope: OutgoingEnvelope<unknown>, body: Buffer): Promise<void> {
    const channel = await this.channel();
    await publishConfirmed(channel, exchange, routingKey, body, {
      persistent: true,
      messageId: envelope.message_id,
      correlationId: envelope.correlation_id,
      timestamp: Math.floor(Date.now() / 1000),
      contentType: 'application/json',
    });
  }
}
