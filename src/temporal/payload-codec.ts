import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { ConfigError } from '../errors';

const ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';

export interface CodecKey {
  id: string;
  key: Buffer;
}

/**
 * Encrypts every payload (inputs, results, heartbeat details, memos, failure messages with the
 * failure converter below) with AES-256-GCM: the whole serialized Payload, a 12-byte IV prefix and the
 * 16-byte tag. Each payload names its key id, so keys rotate while old histories stay readable: the
 * first key encrypts, all listed keys decrypt. Payloads without the encrypted encoding pass through.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keys: CodecKey[]) {
    if (keys.length === 0) throw new ConfigError('ATTUNE_TEMPORAL_CODEC_KEYS is not set');
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { id, key } = this.keys[0]!;
    return payloads.map((payload) => {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { encoding: Buffer.from(ENCODING), [KEY_ID]: Buffer.from(id) }, data };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (Buffer.from(payload.metadata?.encoding ?? []).toString() !== ENCODING) return payload;
      const id = Buffer.from(payload.metadata?.[KEY_ID] ?? []).toString();
      const key = this.byId.get(id);
      if (!key) throw new Error(`payload encrypted with unknown codec key id "${id}"`);
      const data = Buffer.from(payload.data ?? []);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      decipher.setAuthTag(data.subarray(data.length - 16));
      const plain = Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

/**
 * Keys from `ATTUNE_TEMPORAL_CODEC_KEYS` (`id:base64,id2:base64`, first encrypts) or from the file named by
 * `ATTUNE_TEMPORAL_CODEC_KEYS_FILE` (same format, must not be readable by group or others).
 * A missing key is a startup error: there is no silent plaintext mode.
 */
export function loadCodecKeys(env: Record<string, string | undefined> = process.env): CodecKey[] {
  const text = readKeysSetting(env, 'ATTUNE_TEMPORAL_CODEC_KEYS');
  if (!text) throw new ConfigError('ATTUNE_TEMPORAL_CODEC_KEYS is not set (or ATTUNE_TEMPORAL_CODEC_KEYS_FILE): payloads must be encrypted');
  return parseCodecKeys(text, 'ATTUNE_TEMPORAL_CODEC_KEYS');
}

/** The value of `variable`, or the content of the file named by `<variable>_FILE` (mode 0400 or 0600); undefined when neither is set. */
export function readKeysSetting(env: Record<string, string | undefined>, variable: string): string | undefined {
  const text = env[variable];
  const file = env[`${variable}_FILE`];
  if (text || !file) return text || undefined;
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (err) {
    throw new ConfigError(`${variable}_FILE is invalid: ${(err as Error).message}`);
  }
  if ((mode & 0o077) !== 0) throw new ConfigError(`${variable}_FILE is invalid: ${file} must be mode 0400 or 0600`);
  return readFileSync(file, 'utf8').trim() || undefined;
}

/** `id:base64,id2:base64` of 32-byte keys, the first one encrypting; `variable` names the setting in errors. */
export function parseCodecKeys(text: string, variable: string): CodecKey[] {
  return text.split(',').map((entry) => parseCodecKey(entry, variable));
}

export function parseCodecKey(entry: string, variable: string): CodecKey {
  const [id, b64] = entry.trim().split(':');
  const key = Buffer.from(b64 ?? '', 'base64');
  if (!id || !/^[A-Za-z0-9._-]+$/.test(id) || key.length !== 32) {
    throw new ConfigError(`${variable} is invalid: expected id:base64 entries of 32-byte keys`);
  }
  return { id, key };
}
