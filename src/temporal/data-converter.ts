import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec, loadCodecKeys } from './payload-codec';

/** The one data converter every client and worker uses, so both sides always agree. */
export function createDataConverter(codec: EncryptionCodec = new EncryptionCodec(loadCodecKeys())): DataConverter {
  return { payloadCodecs: [codec], failureConverterPath: require.resolve('./failure-converter') };
}
