import type { IncomingHttpHeaders } from 'node:http';
import type { CodecAuthConfig } from '../src/config';

/** What the codec endpoint knows of a request before it opens any payload. */
export interface CodecRequest {
  headers: IncomingHttpHeaders;
  /** The `<token>` of `/codec/<token>/decode`, when the request used that form. */
  pathToken?: string;
}

/**
 * Who asked (`subject`: a JWT's `sub`, the proxy's user, or "token" — never a secret), or why not: 401 for a
 * request that does not prove a person, 503 when the bridge could not check (the issuer's keys unreachable).
 */
export type CodecAuthOutcome = { ok: true; subject: string } | { ok: false; status: 401 | 503; reason: string };

export interface CodecAuth {
  readonly mode: CodecAuthConfig['mode'];
  authenticate(req: CodecRequest): Promise<CodecAuthOutcome>;
}

export const refused = (reason: string): CodecAuthOutcome => ({ ok: false, status: 401, reason });

/** The bearer credential of `Authorization: Bearer …` (scheme case-insensitive, as RFC 6750 allows). */
export function bearerOf(headers: IncomingHttpHeaders): string | undefined {
  return /^Bearer +(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1];
}
