import type { CodecAuthConfig } from '../src/config';
import type { Logger } from '../src/log';

/** At start: how the codec endpoint authenticates, and a loud warning when it is in the local-dev path-token mode. */
export function announceCodecAuth(config: CodecAuthConfig, log: Logger): void {
  switch (config.mode) {
    case 'tokens':
      log.info({ mode: 'tokens', tokens: config.tokens.length, pathTokens: config.pathTokens }, config.tokens.length ? 'codec endpoint: static bearer tokens' : 'codec endpoint off (no ATTUNE_TEMPORAL_CODEC_TOKENS)');
      if (config.pathTokens) {
        log.warn(
          { mode: 'tokens', pathTokens: true },
          'codec endpoint accepts /codec/<token>/… (ATTUNE_TEMPORAL_CODEC_PATH_TOKENS=true): LOCAL DEV STACK ONLY — a Temporal UI configured with that endpoint hands it, token included, to every browser that opens it',
        );
      }
      return;
    case 'oidc':
      log.info({ mode: 'oidc', issuer: config.issuer, audience: config.audience, jwksUrl: config.jwksUrl ?? 'discovered', requiredClaim: config.requiredClaim?.name }, 'codec endpoint: OIDC access tokens');
      return;
    case 'proxy':
      log.info({ mode: 'proxy', userHeader: config.userHeader }, 'codec endpoint: authenticating reverse proxy');
      return;
  }
}
