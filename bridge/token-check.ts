import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The one secret comparison of the bridge's HTTP endpoints (codec tokens, the proxy secret, the agent bootstrap
 * token): constant-time against each allowed value. Both sides are hashed first so that not even the length leaks.
 */
export function tokenAllowed(allowed: readonly string[], given: string | undefined): boolean {
  if (!given) return false;
  const g = digest(given);
  // Every candidate is compared (no early exit), so the time does not tell which one matched.
  return allowed.reduce((found, token) => timingSafeEqual(digest(token), g) || found, false);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
