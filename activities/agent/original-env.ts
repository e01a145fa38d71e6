/**
 * The bundle's launcher takes the image's LD_*, NODE_*, SSL_CERT_FILE … away from our node and
 * records them here as {"NAME": "value" | null} (null: the image had none, the launcher set ours).
 */
export const ORIGINAL_ENV_VAR = 'ATTUNE_AGENT_ORIGINAL_ENV_JSON';

/** The environment as the image defined it: what the launcher changed is put back as it was. */
export function restoreOriginalEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const recorded = env[ORIGINAL_ENV_VAR];
  if (recorded === undefined) return env;
  let original: unknown;
  try {
    original = JSON.parse(recorded);
  } catch {
    throw new Error(`${ORIGINAL_ENV_VAR} is not valid JSON (it is set by the attune-agent launcher only)`);
  }
  if (typeof original !== 'object' || original === null || Array.isArray(original)) throw new Error(`${ORIGINAL_ENV_VAR} must be a JSON object`);
  const out: NodeJS.ProcessEnv = { ...env };
  delete out[ORIGINAL_ENV_VAR];
  for (const [name, value] of Object.entries(original as Record<string, unknown>)) {
    if (value === null) delete out[name];
    else if (typeof value === 'string') out[name] = value;
  }
  return out;
}
