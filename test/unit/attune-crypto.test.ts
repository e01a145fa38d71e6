import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { attuneKeyHash, decryptAttuneJson, encryptAttuneJson } from '../../src/attune/crypto';
import { mintExecutionToken } from '../../src/attune/execution-token';
import { setAtPointer } from '../../src/attune/json-pointer';

/** Vectors made by Python's `cryptography` (test/fixtures/vectors/make_attune_crypto_vectors.py). */
const fixture = JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'vectors', 'attune-crypto.json'), 'utf8')) as {
  key: string;
  key_hash: string;
  vectors: { value: unknown; encrypted_value: string }[];
};

describe("Attune's secret encryption", () => {
  it.each(fixture.vectors)('decrypts an independently made vector of $value', ({ value, encrypted_value }) => {
    expect(decryptAttuneJson(encrypted_value, fixture.key)).toEqual(value);
  });

  it('computes the key hash and round-trips its own ciphertext', () => {
    expect(attuneKeyHash(fixture.key)).toBe(fixture.key_hash);
    expect(decryptAttuneJson(encryptAttuneJson({ a: [1] }, fixture.key), fixture.key)).toEqual({ a: [1] });
  });

  it('rejects a wrong key, a tampered value and a short key', () => {
    const v = fixture.vectors[0]!.encrypted_value;
    expect(() => decryptAttuneJson(v, `${fixture.key}-other`)).toThrow();
    const tampered = Buffer.from(v, 'base64');
    tampered[14] = tampered[14]! ^ 1;
    expect(() => decryptAttuneJson(tampered.toString('base64'), fixture.key)).toThrow();
    expect(() => decryptAttuneJson(v, 'short')).toThrow('Encryption key must be at least 32 characters');
  });

  it('restores values at JSON pointers, creating objects on the way', () => {
    const doc: Record<string, unknown> = { a: 1 };
    setAtPointer(doc, '/auth/pass~1word', 'x');
    expect(doc).toEqual({ a: 1, auth: { 'pass/word': 'x' } });
  });

  it('mints an HS256 execution token with Attune claims', () => {
    const token = mintExecutionToken({ id: 7, action_ref: 'p.a', executor: 3, permission_set_refs: ['ops'] }, 60, 'secret', { now: 1000, parentActionRef: 'flows.main' });
    const [head, body, sig] = token.split('.');
    expect(createHmac('sha256', 'secret').update(`${head}.${body}`).digest('base64url')).toBe(sig);
    expect(JSON.parse(Buffer.from(body!, 'base64url').toString())).toEqual({
      sub: '3', login: 'execution:7', iat: 1000, exp: 1120, token_type: 'execution', scope: 'execution',
      metadata: { execution_id: 7, action_ref: 'p.a', permission_set_refs: ['ops'], standard_access_action_refs: ['flows.main', 'p.a'], standard_access_pack_refs: ['flows', 'p'] },
    });
  });
});
