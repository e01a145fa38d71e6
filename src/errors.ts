/** Anything thrown becomes an Error (with the original as `cause`), so callers never handle strings. */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === 'string' ? thrown : JSON.stringify(thrown), { cause: thrown });
}

/** A configuration value is missing or invalid; the message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
