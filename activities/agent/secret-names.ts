/**
 * Which environment variables are the agent's own credentials: ATTUNE_* / TEMPORAL_* names ending in one of the
 * suffixes (the codec keys, TEMPORAL_API_KEY, a TLS client key …), plus the OTLP exporter's headers. The bundle's
 * launcher (src/bundle/launcher/attune-agent.c, `secret()`) applies the same rules to hand them over on a pipe;
 * test/unit/secret-names.test.ts reads the C lists and keeps both in step.
 */
export const SECRET_PREFIXES = ['ATTUNE_', 'TEMPORAL_'] as const;
export const SECRET_SUFFIXES = ['_KEY', '_KEYS', '_KEY_DATA', '_TOKEN', '_TOKENS', '_PASSWORD', '_SECRET'] as const;
export const SECRET_NAMES = ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'] as const;

export function isAgentSecretName(name: string): boolean {
  if ((SECRET_NAMES as readonly string[]).includes(name)) return true;
  if (!SECRET_PREFIXES.some((p) => name.startsWith(p))) return false;
  return SECRET_SUFFIXES.some((s) => name.length > s.length && name.endsWith(s));
}

/** The names of the agent's credentials set in `env` (values never leave this function). */
export function agentSecretNames(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(env).filter((name) => env[name] !== undefined && isAgentSecretName(name)).sort();
}
