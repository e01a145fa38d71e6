import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec, loadCodecKeys } from './payload-codec';

/** The one data converter every client and worker uses, so both sides always agree. */
export function createDataConverter(env: Record<string, string | undefined> = process.env): DataConverter {
  return {
    payloadCodecs: [new EncryptionCodec(loadCodecKeys(env))],
    failureConverterPath: require.resolve('./failure-converter'),
  };
}
