import type { CodecAuthConfig } from '../src/config';
import { refused, type CodecAuth } from './codec-auth-outcome';
import { tokenAllowed } from './token-check';

/** The header an authenticating reverse proxy sets with the shared secret (ATTUNE_TEMPORAL_CODEC_PROXY_SECRET). */
export const PROXY_SECRET_HEADER = 'x-attune-proxy-secret';

/**
 * Behind an authenticating reverse proxy (oauth2-proxy, an ingress's external auth): the proxy has verified the
 * person and names them in the user header. The shared secret proves the request came through the proxy — without
 * it, anyone reaching the bridge directly could write the user header themselves.
 */
export function proxyCodecAuth(config: Extract<CodecAuthConfig, { mode: 'proxy' }>): CodecAuth {
  const userHeader = config.userHeader.toLowerCase();
  return {
    mode: 'proxy',
    authenticate: async ({ headers }) => {
      const secret = headers[PROXY_SECRET_HEADER];
      if (!tokenAllowed([config.secret], typeof secret === 'string' ? secret : undefined)) return refused('no or wrong proxy secret');
      const user = headers[userHeader];
      // A repeated header is an array (or, for unknown names, joined by Node): neither names one person.
      if (typeof user !== 'string' || user.trim() === '' || user.includes(',')) return refused(`no single user in ${config.userHeader}`);
      return { ok: true, subject: user.trim() };
    },
  };
}
