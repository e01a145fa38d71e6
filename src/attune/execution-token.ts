import { createHmac } from 'node:crypto';

/** Attune's fallback when no JWT secret is configured (crates/common/src/auth/jwt.rs). */
export const ATTUNE_DEFAULT_JWT_SECRET = 'insecure_default_secret_change_in_production';

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** HS256 JWT, as Attune's `jsonwebtoken` with the default header produces. */
export function signJwt(claims: Record<string, unknown>, secret: string): string {
  const head = `${b64url(JSON.stringify({ typ: 'JWT', alg: 'HS256' }))}.${b64url(JSON.stringify(claims))}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

/**
 * The execution-scoped token exported to an action as ATTUNE_API_TOKEN (§6.2): only when the execution
 * has permission sets; subject is the identity that started it; lives for the timeout plus a minute.
 */
export function mintExecutionToken(
  execution: { id: number; action_ref: string; executor: number; permission_set_refs: string[] },
  timeoutSeconds: number,
  secret: string,
  opts: { parentActionRef?: string | null; now?: number } = {},
): string {
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  // A workflow task may also use its parent workflow's action (sorted, deduplicated, as Attune does).
  const actionRefs = [...new Set([execution.action_ref, ...(opts.parentActionRef ? [opts.parentActionRef] : [])])].sort();
  return signJwt(
    {
      sub: String(execution.executor),
      login: `execution:${execution.id}`,
      iat: now,
      exp: now + timeoutSeconds + 60,
      token_type: 'execution',
      scope: 'execution',
      metadata: {
        execution_id: execution.id,
        action_ref: execution.action_ref,
        permission_set_refs: execution.permission_set_refs,
        standard_access_action_refs: actionRefs,
        standard_access_pack_refs: [...new Set(actionRefs.map((r) => r.split('.')[0]!))],
      },
    },
    secret,
  );
}
