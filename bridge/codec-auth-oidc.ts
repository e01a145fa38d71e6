import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { CodecAuthConfig } from '../src/config';
import type { Logger } from '../src/log';
import { bearerOf, refused, type CodecAuth, type CodecAuthOutcome } from './codec-auth-outcome';

type OidcConfig = Extract<CodecAuthConfig, { mode: 'oidc' }>;
type KeySet = ReturnType<typeof createRemoteJWKSet>;

/** Asymmetric algorithms only: the keys come from the issuer's JWKS, so no HMAC secret (and never `none`). */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const FETCH_TIMEOUT_MS = 5000;

/**
 * jose's error codes that mean "this token does not prove a person" (401). Any other failure — the JWKS or the
 * discovery document unreachable, not JSON, timed out — is the bridge's inability to check (503), not the user's.
 */
const TOKEN_REJECTED = new Set([
  'ERR_JWT_EXPIRED',
  'ERR_JWT_CLAIM_VALIDATION_FAILED',
  'ERR_JWT_INVALID',
  'ERR_JWS_INVALID',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
]);

/**
 * The Temporal UI forwards the signed-in user's access token (`TEMPORAL_CODEC_PASS_ACCESS_TOKEN=true`) as
 * `Authorization: Bearer <JWT>`: verified against the issuer's JWKS (signature, `iss`, `aud`, `exp`/`nbf`) and, when
 * configured, one required claim. The JWKS location is discovered once from the issuer unless given.
 */
export function oidcCodecAuth(config: OidcConfig, log: Logger): CodecAuth {
  let keySet: Promise<KeySet> | null = null;
  const keys = (): Promise<KeySet> => {
    if (!keySet) {
      const pending = jwksUrlOf(config).then((url) => createRemoteJWKSet(new URL(url), { timeoutDuration: FETCH_TIMEOUT_MS }));
      // A failed discovery is retried by the next request rather than remembered.
      pending.catch(() => {
        if (keySet === pending) keySet = null;
      });
      keySet = pending;
    }
    return keySet;
  };
  return {
    mode: 'oidc',
    authenticate: async ({ headers }): Promise<CodecAuthOutcome> => {
      const token = bearerOf(headers);
      if (token === undefined) return refused('no bearer token');
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, await keys(), { issuer: config.issuer, audience: config.audience, algorithms: ALGORITHMS }));
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (typeof code === 'string' && TOKEN_REJECTED.has(code)) return refused(`access token rejected: ${(err as Error).message}`);
        log.warn({ err, issuer: config.issuer }, 'codec: could not fetch the OIDC issuer keys to verify an access token');
        return { ok: false, status: 503, reason: 'the identity provider keys are unavailable' };
      }
      if (config.requiredClaim && !claimHolds(payload[config.requiredClaim.name], config.requiredClaim.value)) {
        return refused(`access token lacks ${config.requiredClaim.name}=${config.requiredClaim.value}`);
      }
      return { ok: true, subject: typeof payload.sub === 'string' ? payload.sub : '(no sub)' };
    },
  };
}

/** A list claim (`groups`, `roles`) must contain the value; a string claim must equal it (or hold it as a space-separated word, like `scope`). */
export function claimHolds(claim: unknown, value: string): boolean {
  if (Array.isArray(claim)) return claim.some((c) => c === value);
  if (typeof claim === 'string') return claim === value || claim.split(' ').includes(value);
  return false;
}

async function jwksUrlOf(config: OidcConfig): Promise<string> {
  if (config.jwksUrl) return config.jwksUrl;
  const discovery = `${config.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const res = await fetch(discovery, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`${discovery} answered ${res.status}`);
  const jwksUri = ((await res.json()) as { jwks_uri?: unknown }).jwks_uri;
  if (typeof jwksUri !== 'string') throw new Error(`${discovery} has no jwks_uri`);
  return jwksUri;
}
