import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type KeyLike } from 'jose';

/** The audience the test issuer's tokens are for (the Temporal UI's OIDC client id, in production). */
export const AUDIENCE = 'temporal-ui';

/** A stand-in identity provider on 127.0.0.1: its discovery document and JWKS (one ES256 key, kid "k1"). */
export class TestIssuer {
  server!: Server;
  issuer = '';
  privateKey!: KeyLike;
  jwksRequests = 0;

  async start(): Promise<this> {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    this.privateKey = privateKey;
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] };
    this.server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/.well-known/openid-configuration') return void res.end(JSON.stringify({ issuer: this.issuer, jwks_uri: `${this.issuer}/jwks` }));
      if (req.url === '/jwks') return this.jwksRequests++, void res.end(JSON.stringify(jwks));
      res.statusCode = 404;
      res.end('{}');
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  token(claims: Record<string, unknown> = {}, opts: { key?: KeyLike; alg?: string; kid?: string; exp?: string | number; iss?: string; aud?: string } = {}): Promise<string> {
    return new SignJWT({ groups: ['attune-operators'], ...claims })
      .setProtectedHeader({ alg: opts.alg ?? 'ES256', kid: opts.kid ?? 'k1' })
      .setSubject('alice@example.com')
      .setIssuer(opts.iss ?? this.issuer)
      .setAudience(opts.aud ?? AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(opts.exp ?? '5m')
      .sign(opts.key ?? this.privateKey);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
