import type { RuntimeExecutionConfig } from '../src/temporal/contracts';
import { restoreOriginalEnvironment } from './agent/original-env';

/**
 * Names that configure or authenticate the agent itself; never handed to an action.
 * (Attune reserves the whole ATTUNE_ prefix for context it sets itself.) The image's other OTEL_* settings do reach
 * actions (an instrumented program in the image may use them); the exporter's headers, which may hold a token, not.
 */
const AGENT_ONLY = [/^ATTUNE_/, /^TEMPORAL_/, /^ATTUNE_TEMPORAL_/, /^OTEL_EXPORTER_OTLP_(TRACES_)?HEADERS$/];

/**
 * The image's own environment as the container received it, minus the agent's settings.
 * Deliberately unlike Attune, which clears the environment to a small baseline: in an arbitrary image
 * that would break the image's own setup (GEM_HOME in ruby images, LD_LIBRARY_PATH in CUDA images).
 */
export function imageEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  // Under the bundle's launcher, the image's NODE_OPTIONS, LD_* … were hidden from our node: restore them.
  for (const [key, value] of Object.entries(restoreOriginalEnvironment(env))) {
    if (value === undefined || AGENT_ONLY.some((re) => re.test(key))) continue;
    out[key] = value;
  }
  return out;
}

/** Plain `{name}` replacement; unknown placeholders stay as they are (Attune's template rules). */
export function applyTemplate(text: string, vars: Record<string, string | undefined>): string {
  return text.replace(/\{([a-z_]+)\}/g, (whole, name: string) => vars[name] ?? whole);
}

/** Applies a runtime's env_vars (set / prepend / append) on top of `base`; ATTUNE_* keys are ignored. */
export function applyRuntimeEnvVars(
  base: Record<string, string>,
  envVars: RuntimeExecutionConfig['env_vars'],
  vars: Record<string, string | undefined>,
): Record<string, string> {
  const out = { ...base };
  for (const [name, spec] of Object.entries(envVars ?? {})) {
    if (name.startsWith('ATTUNE_')) continue;
    const { value, operation = 'set', separator = ':' } = typeof spec === 'string' ? { value: spec } : spec;
    const resolved = applyTemplate(value, vars);
    const existing = out[name] ?? '';
    if (operation === 'set' || existing === '') out[name] = resolved;
    else if (operation === 'prepend') out[name] = resolved === '' ? existing : `${resolved}${separator}${existing}`;
    else out[name] = resolved === '' ? existing : `${existing}${separator}${resolved}`;
  }
  return out;
}
