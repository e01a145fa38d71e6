import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire, wrap } from 'node:module';
import path from 'node:path';
import { Script } from 'node:vm';
import { AGENT_MAIN, CODE_CACHE, setCodeCacheState } from './code-cache';

/**
 * The bundle's agent.js: compiles agent-main.js (the agent, one 3 MB esbuild file) with the V8 code cache the
 * bundle builder made, so a container's first start skips most of the parse and compile (~80 ms of its start).
 * V8 checks the cache against the source, its own version and flags, never the path: a stale or foreign cache
 * is rejected and the agent compiles as without one. `--warm-code-cache` (the builder, with this bundle's node)
 * loads the agent's modules without starting it and writes the cache of everything compiled meanwhile.
 */

function loadAgentMain(dir: string): void {
  const file = path.join(dir, AGENT_MAIN);
  const cacheFile = path.join(dir, CODE_CACHE);
  // A bundle built on a host of another architecture has none.
  const cachedData = existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
  const script = new Script(wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
  setCodeCacheState(cachedData === undefined ? 'none' : script.cachedDataRejected === true ? 'rejected' : 'used');
  if (process.argv.includes('--warm-code-cache')) process.once('exit', () => writeFileSync(cacheFile, script.createCachedData()));
  const mainModule = { exports: {}, filename: file, id: file };
  const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
  run(mainModule.exports, createRequire(file), mainModule, file, dir);
}

loadAgentMain(__dirname);
