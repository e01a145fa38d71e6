import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../../src/errors';

/**
 * `.attune-runtime.yaml`: an image's own declaration of interpreters the probes cannot find (a
 * python in /opt/venv, a custom `deno`) and environment for its actions. Declared runtimes win over
 * probed ones of the same name. Example:
 *
 *   runtimes:
 *     - name: python
 *       path: /opt/python/bin/python3.12
 *       version: "3.12.1"        # optional; otherwise probed with version_args
 *     - name: deno
 *       path: /usr/local/bin/deno
 *       version_args: ["--version"]
 *   env:
 *     PYTHONUNBUFFERED: "1"
 */
export const HINTS_LOCATIONS = ['/opt/attune/.attune-runtime.yaml', '/.attune-runtime.yaml'];

const hintsSchema = z
  .object({
    runtimes: z
      .array(
        z
          .object({
            name: z.string().trim().min(1),
            path: z.string().startsWith('/', 'path must be absolute'),
            version: z.union([z.string(), z.number()]).transform(String).optional(),
            version_args: z.array(z.string()).optional(),
          })
          .strict(),
      )
      .default([]),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'env names are shell identifiers'), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
  })
  .strict();

export type RuntimeHints = z.infer<typeof hintsSchema> & { file: string };

/** The first hints file found (/opt/attune/ before /), or null. A broken file is a configuration error. */
export function loadRuntimeHints(locations: string[] = hintsLocations()): RuntimeHints | null {
  const file = locations.find((f) => existsSync(f));
  if (!file) return null;
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8')) ?? {};
  } catch (err) {
    throw new ConfigError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  const parsed = hintsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${file}: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  return { ...parsed.data, file };
}

/** ATTUNE_RUNTIME_HINTS_FILE replaces the two standard places (for tests and unusual layouts). */
function hintsLocations(): string[] {
  const override = process.env.ATTUNE_RUNTIME_HINTS_FILE;
  return override ? [override] : HINTS_LOCATIONS;
}
