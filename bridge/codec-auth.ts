import type { CodecAuthConfig } from '../src/config';
import type { Logger } from '../src/log';
import { oidcCodecAuth } from './codec-auth-oidc';
import { proxyCodecAuth } from './codec-auth-proxy';
import { bearerOf, refused, type CodecAuth } from './codec-auth-outcome';
import { tokenAllowed } from './token-check';

export type { CodecAuth, CodecAuthOutcome, CodecRequest } from './codec-auth-outcome';

/** The codec endpoint's authentication, as ATTUNE_TEMPORAL_CODEC_AUTH chose it. */
export function createCodecAuth(config: CodecAuthConfig, log: Logger): CodecAuth {
  switch (config.mode) {
    case 'tokens':
      return tokensCodecAuth(config.tokens, config.pathTokens);
    case 'oidc':
      return oidcCodecAuth(config, log);
    case 'proxy':
      return proxyCodecAuth(config);
  }
}

/**
 * Static operator tokens (the default): the bearer token, or — only when path tokens are on, for the local dev
 * stack whose UI cannot send headers — the `/codec/<token>` form. It proves a token, not a person.
 */
export function tokensCodecAuth(tokens: readonly string[], pathTokens: boolean): CodecAuth {
  return {
    mode: 'tokens',
    authenticate: async (req) => {
      const given = bearerOf(req.headers) ?? (pathTokens ? req.pathToken : undefined);
      if (given === undefined) return refused(req.pathToken !== undefined ? 'token in the path is off (ATTUNE_TEMPORAL_CODEC_PATH_TOKENS)' : 'no bearer token');
      return tokenAllowed(tokens, given) ? { ok: true, subject: 'token' } : refused('unknown token');
    },
  };
}
