import type { DataConverter } from '@temporalio/common';
import { createDataConverter } from '../../src/temporal/data-converter';
import { EncryptionCodec, loadCodecKeys } from '../../src/temporal/payload-codec';

/** Connection settings of the services scripts/services.sh starts (scripts/env.sh defaults). */
export const SERVICES = {
  databaseUrl: process.env.ATTUNE__DATABASE__URL ?? 'postgres://postgres@127.0.0.1:55432/attune',
  amqpUrl: process.env.ATTUNE__MESSAGE_QUEUE__URL ?? 'amqp://guest:guest@127.0.0.1:55672',
  temporalAddress: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
  namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
};

/** A fixed payload-codec key for tests only (recorded histories are encrypted with it). */
export const TEST_CODEC_KEYS = `test-1:${Buffer.alloc(32, 7).toString('base64')}`;

export function databaseUrlFor(name: string): string {
  const url = new URL(SERVICES.databaseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The payload codec, and the data converter, that the bridge and agents of a test deployment use (TEST_CODEC_KEYS). */
export const testCodec = (): EncryptionCodec => new EncryptionCodec(loadCodecKeys({ ATTUNE_TEMPORAL_CODEC_KEYS: TEST_CODEC_KEYS }));
export const testDataConverter = (): DataConverter => createDataConverter(testCodec());
