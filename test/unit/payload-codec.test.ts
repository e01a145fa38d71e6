import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec, loadCodecKeys } from '../../src/temporal/payload-codec';
import { ConfigError } from '../../src/errors';

const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');

describe('payload codec', () => {
  it('encrypts with the first key and decrypts with any listed key (rotation)', async () => {
    const old = new EncryptionCodec(loadCodecKeys({ ATTUNE_TEMPORAL_CODEC_KEYS: `k1:${key(1)}` }));
    const rotated = new EncryptionCodec(loadCodecKeys({ ATTUNE_TEMPORAL_CODEC_KEYS: `k2:${key(2)},k1:${key(1)}` }));
    const payload = defaultPayloadConverter.toPayload({ password: 'hunter2' });
    const [sealed] = await old.encode([payload]);
    expect(Buffer.from(sealed!.data!).toString('latin1')).not.toContain('hunter2');
    expect(Buffer.from(sealed!.metadata!['encryption-key-id']!).toString()).toBe('k1');
    const [opened] = await rotated.decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual({ password: 'hunter2' });
    const [plain] = await rotated.decode([payload]);
    expect(plain).toBe(payload); // unencrypted payloads (old histories) pass through
  });

  it('fails on an unknown key id instead of guessing', async () => {
    const [sealed] = await new EncryptionCodec([{ id: 'gone', key: Buffer.alloc(32, 9) }]).encode([defaultPayloadConverter.toPayload(1)]);
    await expect(new EncryptionCodec([{ id: 'k1', key: Buffer.alloc(32, 1) }]).decode([sealed!])).rejects.toThrow('unknown codec key id "gone"');
  });

  it('has no plaintext mode: a missing or malformed key is a startup error', () => {
    expect(() => loadCodecKeys({})).toThrow(ConfigError);
    expect(() => loadCodecKeys({ ATTUNE_TEMPORAL_CODEC_KEYS: 'k1:c2hvcnQ=' })).toThrow(/32-byte keys/);
  });
});
