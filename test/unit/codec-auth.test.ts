import type { AddressInfo } from 'node:net';
import { generateKeyPair } from 'jose';
import pino from 'pino';
import { createCodecAuth, type CodecAuth } from '../../bridge/codec-auth';
import { claimHolds } from '../../bridge/codec-auth-oidc';
import { createHttpServer } from '../../bridge/http-server';
import type { CodecAuthConfig } from '../../src/config';
import { loadBridgeConfig } from '../../src/config';
import { ConfigError } from '../../src/errors';
import { AUDIENCE, TestIssuer } from '../helpers/test-issuer';

const silent = pino({ level: 'silent' });
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('codec auth: oidc', () => {
  let idp: TestIssuer;
  let auth: CodecAuth;
  beforeAll(async () => {
    idp = await new TestIssuer().start();
    auth = createCodecAuth({ mode: 'oidc', issuer: idp.issuer, audience: AUDIENCE, requiredClaim: { name: 'groups', value: 'attune-operators' } }, silent);
  });
  afterAll(() => idp.stop());

  it('accepts a valid access token (JWKS discovered from the issuer) and names its subject', async () => {
    await expect(auth.authenticate(bearer(await idp.token()))).resolves.toEqual({ ok: true, subject: 'alice@example.com' });
  });

  it.each([
    ['expired', () => idp.token({}, { exp: Math.floor(Date.now() / 1000) - 3600 })],
    ['for another audience', () => idp.token({}, { aud: 'someone-else' })],
    ['from another issuer', () => idp.token({}, { iss: 'https://evil.example.com' })],
    ['signed by another key (same kid)', async () => idp.token({}, { key: (await generateKeyPair('ES256')).privateKey })],
    ['signed by another key (unknown kid)', async () => idp.token({}, { key: (await generateKeyPair('ES256')).privateKey, kid: 'k2' })],
    ['lacking the required claim', () => idp.token({ groups: ['everyone'] })],
    ['unsigned (alg: none)', async () => `${b64url({ alg: 'none' })}.${b64url({ sub: 'mallory', iss: idp.issuer, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 300, groups: ['attune-operators'] })}.`],
    ['malformed', async () => 'not.a.jwt'],
  ])('refuses a token %s with 401', async (_, make) => {
    const out = await auth.authenticate(bearer(await make()));
    expect(out).toMatchObject({ ok: false, status: 401 });
  });

  it('refuses a request without a bearer token (or another scheme) with 401', async () => {
    await expect(auth.authenticate({ headers: {} })).resolves.toMatchObject({ ok: false, status: 401 });
    await expect(auth.authenticate({ headers: { authorization: `Basic ${await idp.token()}` } })).resolves.toMatchObject({ ok: false, status: 401 });
    await expect(auth.authenticate({ headers: { authorization: 'Bearer' } })).resolves.toMatchObject({ ok: false, status: 401 });
  });

  it('answers 503, not 401, when the JWKS cannot be fetched (and logs why)', async () => {
    const down = new TestIssuer();
    await down.start();
    const token = await down.token();
    await down.stop();
    const warnings: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
    const viaDiscovery = createCodecAuth({ mode: 'oidc', issuer: down.issuer, audience: AUDIENCE }, log);
    await expect(viaDiscovery.authenticate(bearer(token))).resolves.toMatchObject({ ok: false, status: 503 });
    const viaJwksUrl = createCodecAuth({ mode: 'oidc', issuer: down.issuer, audience: AUDIENCE, jwksUrl: `${down.issuer}/jwks` }, log);
    await expect(viaJwksUrl.authenticate(bearer(token))).resolves.toMatchObject({ ok: false, status: 503 });
    expect(warnings.join('')).toContain('could not fetch the OIDC issuer keys');
    expect(warnings.join('')).not.toContain(token);
  });

  it('uses a configured JWKS URL as given', async () => {
    const direct = createCodecAuth({ mode: 'oidc', issuer: idp.issuer, audience: AUDIENCE, jwksUrl: `${idp.issuer}/jwks` }, silent);
    await expect(direct.authenticate(bearer(await idp.token({}, {})))).resolves.toEqual({ ok: true, subject: 'alice@example.com' });
  });

  it('a required claim: a list contains the value, a string equals it (or has it as a word)', () => {
    expect(claimHolds(['a', 'attune-operators'], 'attune-operators')).toBe(true);
    expect(claimHolds('attune-operators', 'attune-operators')).toBe(true);
    expect(claimHolds('read attune-operators', 'attune-operators')).toBe(true);
    expect(claimHolds('attune-operators-not', 'attune-operators')).toBe(false);
    expect(claimHolds(undefined, 'attune-operators')).toBe(false);
    expect(claimHolds({ 'attune-operators': true }, 'attune-operators')).toBe(false);
  });
});

describe('codec auth: proxy', () => {
  const auth = createCodecAuth({ mode: 'proxy', userHeader: 'X-Forwarded-User', secret: 'proxy-shared-secret-123' }, silent);
  const headers = (h: Record<string, string>) => ({ headers: h });

  it('accepts the user header with the shared secret', async () => {
    await expect(auth.authenticate(headers({ 'x-forwarded-user': 'bob', 'x-attune-proxy-secret': 'proxy-shared-secret-123' }))).resolves.toEqual({ ok: true, subject: 'bob' });
  });

  it.each([
    ['without the secret', { 'x-forwarded-user': 'bob' }],
    ['with a wrong secret', { 'x-forwarded-user': 'bob', 'x-attune-proxy-secret': 'proxy-shared-secret-124' }],
    ['with an empty user', { 'x-forwarded-user': '  ', 'x-attune-proxy-secret': 'proxy-shared-secret-123' }],
    ['without a user', { 'x-attune-proxy-secret': 'proxy-shared-secret-123' }],
    ['with the secret as a bearer token only', { 'x-forwarded-user': 'bob', authorization: 'Bearer proxy-shared-secret-123' }],
  ])('refuses a request %s with 401', async (_, h) => {
    await expect(auth.authenticate(headers(h))).resolves.toMatchObject({ ok: false, status: 401 });
  });
});

describe('codec auth: tokens', () => {
  const plain = createCodecAuth({ mode: 'tokens', tokens: ['t1', 'operator-token'], pathTokens: false }, silent);
  const withPath = createCodecAuth({ mode: 'tokens', tokens: ['operator-token'], pathTokens: true }, silent);

  it('accepts a listed bearer token, refuses others', async () => {
    await expect(plain.authenticate(bearer('operator-token'))).resolves.toEqual({ ok: true, subject: 'token' });
    await expect(plain.authenticate(bearer('operator-tokem'))).resolves.toMatchObject({ ok: false, status: 401 });
    await expect(plain.authenticate({ headers: {} })).resolves.toMatchObject({ ok: false, status: 401 });
  });

  it('refuses a token in the path unless path tokens are on', async () => {
    await expect(plain.authenticate({ headers: {}, pathToken: 'operator-token' })).resolves.toMatchObject({ ok: false, status: 401, reason: expect.stringContaining('ATTUNE_TEMPORAL_CODEC_PATH_TOKENS') });
    await expect(withPath.authenticate({ headers: {}, pathToken: 'operator-token' })).resolves.toEqual({ ok: true, subject: 'token' });
    await expect(withPath.authenticate({ headers: {}, pathToken: 'nope' })).resolves.toMatchObject({ ok: false, status: 401 });
  });

  it('no tokens: the endpoint refuses everything', async () => {
    const off = createCodecAuth({ mode: 'tokens', tokens: [], pathTokens: false }, silent);
    await expect(off.authenticate(bearer('anything'))).resolves.toMatchObject({ ok: false, status: 401 });
  });
});

describe('codec auth settings', () => {
  const base = { ATTUNE__DATABASE__URL: 'postgres://x', ATTUNE__MESSAGE_QUEUE__URL: 'amqp://x' };
  const load = (env: Record<string, string>): CodecAuthConfig => loadBridgeConfig({ ...base, ...env }).codecAuth;

  it('defaults to static tokens without the path form', () => {
    expect(load({ ATTUNE_TEMPORAL_CODEC_TOKENS: 'a, b' })).toEqual({ mode: 'tokens', tokens: ['a', 'b'], pathTokens: false });
    expect(load({ ATTUNE_TEMPORAL_CODEC_PATH_TOKENS: 'true' })).toEqual({ mode: 'tokens', tokens: [], pathTokens: true });
  });

  it('oidc needs issuer and audience; parses the required claim', () => {
    expect(() => load({ ATTUNE_TEMPORAL_CODEC_AUTH: 'oidc', ATTUNE_TEMPORAL_CODEC_OIDC_AUDIENCE: 'a' })).toThrow(new ConfigError('ATTUNE_TEMPORAL_CODEC_OIDC_ISSUER is not set (required with ATTUNE_TEMPORAL_CODEC_AUTH=oidc)'));
    expect(() => load({ ATTUNE_TEMPORAL_CODEC_AUTH: 'oidc', ATTUNE_TEMPORAL_CODEC_OIDC_ISSUER: 'https://idp' })).toThrow(/ATTUNE_TEMPORAL_CODEC_OIDC_AUDIENCE is not set/);
    expect(load({ ATTUNE_TEMPORAL_CODEC_AUTH: 'oidc', ATTUNE_TEMPORAL_CODEC_OIDC_ISSUER: 'https://idp', ATTUNE_TEMPORAL_CODEC_OIDC_AUDIENCE: 'ui', ATTUNE_TEMPORAL_CODEC_OIDC_REQUIRED_CLAIM: 'groups=attune-operators' })).toEqual({
      mode: 'oidc', issuer: 'https://idp', audience: 'ui', jwksUrl: undefined, requiredClaim: { name: 'groups', value: 'attune-operators' },
    });
    expect(() => load({ ATTUNE_TEMPORAL_CODEC_AUTH: 'oidc', ATTUNE_TEMPORAL_CODEC_OIDC_ISSUER: 'https://idp', ATTUNE_TEMPORAL_CODEC_OIDC_AUDIENCE: 'ui', ATTUNE_TEMPORAL_CODEC_OIDC_REQUIRED_CLAIM: 'groups' })).toThrow(/REQUIRED_CLAIM is invalid: expected claim=value/);
  });

  it('proxy needs the user header and a secret; path tokens only with tokens', () => {
    expect(() => load({ ATTUNE_TEMPORAL_CODEC_AUTH: 'proxy', ATTUNE_TEMPORAL_CODEC_PROXY_SECRET: 'x'.repeat(16) })).toThrow(/ATTUNE_TEMPORAL_CODEC_PROXY_USER_HEADER is not set/);
    expect(() => load({ ATTUNE_TEMPORAL_CODEC_AUTH: 'proxy', ATTUNE_TEMPORAL_CODEC_PROXY_USER_HEADER: 'X-Forwarded-User' })).toThrow(/ATTUNE_TEMPORAL_CODEC_PROXY_SECRET is not set/);
    expect(() => load({ ATTUNE_TEMPORAL_CODEC_AUTH: 'proxy', ATTUNE_TEMPORAL_CODEC_PROXY_USER_HEADER: 'X-Forwarded-User', ATTUNE_TEMPORAL_CODEC_PROXY_SECRET: 'short' })).toThrow(/at least 16/);
    expect(() => load({ ATTUNE_TEMPORAL_CODEC_AUTH: 'proxy', ATTUNE_TEMPORAL_CODEC_PROXY_USER_HEADER: 'X-Forwarded-User', ATTUNE_TEMPORAL_CODEC_PROXY_SECRET: 'x'.repeat(16), ATTUNE_TEMPORAL_CODEC_PATH_TOKENS: 'true' })).toThrow(/PATH_TOKENS is invalid: only with ATTUNE_TEMPORAL_CODEC_AUTH=tokens/);
    expect(() => load({ ATTUNE_TEMPORAL_CODEC_AUTH: 'jwt' })).toThrow(/ATTUNE_TEMPORAL_CODEC_AUTH is invalid/);
  });
});

describe('the codec endpoint with an authenticator', () => {
  it('answers the authenticator status and logs the subject at debug, never the credential', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    const codecAuth: CodecAuth = {
      mode: 'oidc',
      authenticate: async ({ headers }) => (headers.authorization === 'Bearer good-secret-jwt' ? { ok: true, subject: 'alice' } : headers.authorization ? { ok: false, status: 503, reason: 'down' } : { ok: false, status: 401, reason: 'none' }),
    };
    const identity = { encode: async (p: unknown[]) => p, decode: async (p: unknown[]) => p } as never;
    const server = createHttpServer({ codec: identity, codecAuth, agentBinary: { binaryDir: '/nonexistent', bootstrapToken: undefined }, corsOrigins: [], health: {} as never, log, metrics: {} as never });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/codec/decode`;
    try {
      const post = (authorization?: string) => fetch(url, { method: 'POST', headers: authorization ? { authorization } : {}, body: JSON.stringify({ payloads: [{ metadata: {}, data: 'eA==' }] }) });
      expect((await post()).status).toBe(401);
      expect((await post('Bearer other')).status).toBe(503);
      const ok = await post('Bearer good-secret-jwt');
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { payloads: unknown[] }).payloads).toEqual([{ metadata: {}, data: 'eA==' }]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const authorized = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'codec request authorized');
    expect(authorized).toMatchObject({ level: 20, subject: 'alice', op: 'decode', mode: 'oidc' });
    expect(lines.join('')).not.toContain('good-secret-jwt');
  });
});
