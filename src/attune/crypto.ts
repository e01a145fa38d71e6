import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Attune's secret encryption (crates/common/src/crypto.rs): AES-256-GCM with key = SHA-256 of the key
 * string (at least 32 characters), stored as standard base64 of nonce(12) ‖ ciphertext ‖ tag(16); JSON
 * values are encrypted as their compact JSON text.
 */
export function attuneKeyHash(encryptionKey: string): string {
  return createHash('sha256').update(encryptionKey, 'utf8').digest('hex');
}

function aesKey(encryptionKey: string): Buffer {
  if (encryptionKey.length < 32) throw new Error('Encryption key must be at least 32 characters');
  return createHash('sha256').update(encryptionKey, 'utf8').digest();
}

export function decryptAttuneJson(encrypted: string, encryptionKey: string): unknown {
  const bytes = Buffer.from(encrypted, 'base64');
  if (bytes.length < 28) throw new Error('encrypted value is too short');
  const decipher = createDecipheriv('aes-256-gcm', aesKey(encryptionKey), bytes.subarray(0, 12));
  decipher.setAuthTag(bytes.subarray(bytes.length - 16));
  const plain = Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]);
  return JSON.parse(plain.toString('utf8')) as unknown;
}

export function encryptAttuneJson(value: unknown, encryptionKey: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', aesKey(encryptionKey), nonce);
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64');
}
