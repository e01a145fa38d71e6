import { statSync } from 'node:fs';
import path from 'node:path';
import { hostArch, type ArchSpec } from './arch';
import { CODE_CACHE } from './code-cache';
import { run } from './tools';

/**
 * Writes the bundle's V8 code cache (agent-main.js.v8cache, see agent-loader.ts) by starting the bundle's own
 * node through its own loader with `--warm-code-cache`: only that node's V8 accepts the cache, and only a host of
 * the bundle's architecture can run it. Elsewhere the bundle ships without one (the agent compiles at start, as
 * before). Returns the cache's size, or null when none was made.
 */
export function warmCodeCache(dir: string, spec: ArchSpec, loader: string): number | null {
  if (spec.arch !== hostArch()) return null;
  const lib = path.join(dir, 'lib');
  // A clean environment: nothing of the build machine's (NODE_OPTIONS, TEMPORAL_*) reaches the warm-up.
  run('env', ['-i', 'PATH=/usr/bin:/bin', path.join(lib, loader), '--library-path', lib, path.join(dir, 'bin', 'node'), path.join(dir, 'agent.js'), '--warm-code-cache']);
  return statSync(path.join(dir, CODE_CACHE)).size;
}
