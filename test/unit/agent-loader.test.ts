import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { AGENT_MAIN, CODE_CACHE } from '../../src/bundle/code-cache';

/**
 * The bundle's agent.js (src/bundle/agent-loader.ts, bundled by esbuild as the bundle builder does) in front of a
 * small agent-main.js that reports what it was given: real V8 code caches, made and checked by this node.
 */
describe('the bundle\'s agent loader', () => {
  let dir: string;
  const main = (marker: string) => `
    const helper = require('./helper.js');
    function work(n) { let s = 0; for (let i = 0; i < n; i++) s += i; return s; }
    process.stdout.write(JSON.stringify({ marker: ${JSON.stringify(marker)}, state: globalThis[Symbol.for('attune.agent.codeCache')], dirname: __dirname, filename: __filename, helper, args: process.argv.slice(2), sum: work(10) }));
  `;
  const start = (...args: string[]) => JSON.parse(execFileSync(process.execPath, [path.join(dir, 'agent.js'), ...args], { encoding: 'utf8', env: { PATH: process.env.PATH } })) as Record<string, unknown>;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'agent-loader-'));
    await build({ entryPoints: [path.join(__dirname, '..', '..', 'src', 'bundle', 'agent-loader.ts')], outfile: path.join(dir, 'agent.js'), bundle: true, platform: 'node', format: 'cjs', logLevel: 'error' });
    writeFileSync(path.join(dir, 'helper.js'), 'module.exports = "helper";');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeEach(() => {
    rmSync(path.join(dir, CODE_CACHE), { force: true });
    writeFileSync(path.join(dir, AGENT_MAIN), main('v1'));
  });

  // The state agent-main.js reads is codeCacheState()'s (src/bundle/code-cache.ts): one global symbol.
  it('runs agent-main.js as a CommonJS module of its directory, without a cache', () => {
    expect(start('--flag')).toEqual({ marker: 'v1', state: 'none', dirname: dir, filename: path.join(dir, AGENT_MAIN), helper: 'helper', args: ['--flag'], sum: 45 });
  });

  it('--warm-code-cache writes a cache that the next start uses', () => {
    expect(start('--warm-code-cache').state).toBe('none');
    expect(readFileSync(path.join(dir, CODE_CACHE)).length).toBeGreaterThan(0);
    expect(start()).toMatchObject({ marker: 'v1', state: 'used', sum: 45 });
  });

  it('a cache of other source or a damaged one is rejected, and the agent runs all the same', () => {
    start('--warm-code-cache');
    writeFileSync(path.join(dir, AGENT_MAIN), main('v2 with another length'));
    expect(start()).toMatchObject({ marker: 'v2 with another length', state: 'rejected', sum: 45 });
    const damaged = readFileSync(path.join(dir, CODE_CACHE));
    damaged.fill(7, 0, 64);
    writeFileSync(path.join(dir, CODE_CACHE), damaged);
    expect(start()).toMatchObject({ state: 'rejected', sum: 45 });
  });
});
