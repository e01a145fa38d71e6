import { timingSafeEqual } from 'node:crypto';

/** The one bearer-token check of the bridge's HTTP endpoints: constant-time against each allowed token. */
export function tokenAllowed(allowed: readonly string[], given: string | undefined): boolean {
  if (!given) return false;
  const g = Buffer.from(given);
  return allowed.some((token) => {
    const t = Buffer.from(token);
    return t.length === g.length && timingSafeEqual(t, g);
  });
}
