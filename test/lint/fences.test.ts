import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The layout's fences and the no-cycle rule catch real violations: each case writes a probe file into the
 * tree, lints it with the project's own config, and expects the rule to fire (and a clean probe not to).
 */
const root = path.resolve(__dirname, '..', '..');
const written: string[] = [];

function probe(relative: string, source: string): string {
  const file = path.join(root, relative);
  writeFileSync(file, source);
  written.push(file);
  return file;
}

/** The eslint CLI itself (jest's module sandbox cannot load a flat config), JSON out. */
function ruleIds(...files: string[]): string[] {
  const run = spawnSync(process.execPath, [path.join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--format', 'json', ...files], { cwd: root, encoding: 'utf8' });
  if (run.status !== 0 && run.status !== 1) throw new Error(`eslint failed (${run.status}): ${run.stderr}`);
  const results = JSON.parse(run.stdout) as { filePath: string; messages: { ruleId: string | null; message: string }[] }[];
  return results.flatMap((r) => r.messages.map((m) => `${path.relative(root, r.filePath)}: ${m.ruleId ?? m.message}`));
}

afterAll(() => {
  for (const file of written) rmSync(file, { force: true });
});

describe('layout fences (eslint)', () => {
  it.each([
    ['src/zz-lint-probe.ts', "import { runBridge } from '../bridge/bridge';\nexport const probe = runBridge;\n", 'no-restricted-imports'],
    ['src/attune/zz-lint-probe.ts', "import { runAction } from '../../activities/run-action';\nexport const probe = runAction;\n", 'no-restricted-imports'],
    ['bridge/zz-lint-probe.ts', "import { findOnPath } from '../activities/agent/find-on-path';\nexport const probe = findOnPath;\n", 'no-restricted-imports'],
    ['activities/zz-lint-probe.ts', "import { AttunePublisher } from '../bridge/publisher';\nexport const probe = AttunePublisher;\n", 'no-restricted-imports'],
    ['workflows/zz-lint-probe.ts', "import { loadExecution } from '../src/attune/db/executions';\nexport const probe = loadExecution;\n", '@typescript-eslint/no-restricted-imports'],
    ['workflows/zz-lint-probe2.ts', "import { readFileSync } from 'node:fs';\nexport const probe = readFileSync;\n", '@typescript-eslint/no-restricted-imports'],
  ])('%s is refused', (file, source, rule) => {
    expect(ruleIds(probe(file, source))).toContain(`${file}: ${rule}`);
  });

  it('the composition root (src/cli) may import every side; workflows may take types from the contracts', () => {
    const cli = probe('src/cli/zz-lint-probe.ts', "import { runBridge } from '../../bridge/bridge';\nexport const probe = runBridge;\n");
    const wf = probe('workflows/zz-lint-probe3.ts', "import type { RunSpec } from '../src/temporal/contracts';\nexport type Probe = RunSpec;\n");
    expect(ruleIds(cli, wf)).toEqual([]);
  });

  it('an import cycle is refused', () => {
    const a = probe('src/zz-cycle-a.ts', "import { b } from './zz-cycle-b';\nexport const a = (): number => b() + 1;\n");
    const b = probe('src/zz-cycle-b.ts', "import { a } from './zz-cycle-a';\nexport const b = (): number => a() + 1;\n");
    const ids = ruleIds(a, b);
    expect(ids).toContain('src/zz-cycle-a.ts: import-x/no-cycle');
    expect(ids).toContain('src/zz-cycle-b.ts: import-x/no-cycle');
  });
});
