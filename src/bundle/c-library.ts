import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ArchSpec } from './arch';
import { cacheDir, run } from './tools';

/** Debian packages that carry glibc, its loader, libstdc++ and libgcc_s. */
const PACKAGES = ['libc6', 'libstdc++6', 'libgcc-s1'];

/**
 * A root under which /lib/<triplet> holds the C library to bundle. For the build machine's own arch
 * that is `/` (Debian 12: glibc 2.36); for the other arch, Debian's packages of the same names are
 * downloaded (dpkg --add-architecture, done by scripts/rootfs-prereqs.sh) and unpacked once.
 */
export function cLibrary(spec: ArchSpec): { root: string; libc6Version: string } {
  const host = run('dpkg', ['--print-architecture']).trim();
  if (host === spec.debianArch) return { root: '/', libc6Version: run('dpkg-query', ['-W', '-f=${Version}', `libc6:${spec.debianArch}`]).trim() };
  const root = path.join(cacheDir(), `debian-libs-${spec.debianArch}`);
  const versionFile = path.join(root, 'LIBC6_VERSION');
  if (existsSync(versionFile)) return { root, libc6Version: readFileSync(versionFile, 'utf8').trim() };
  const tmp = `${root}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(path.join(tmp, 'debs'), { recursive: true });
  run('apt-get', ['download', ...PACKAGES.map((p) => `${p}:${spec.debianArch}`)], { cwd: path.join(tmp, 'debs') });
  for (const deb of readdirSync(path.join(tmp, 'debs'))) {
    run('dpkg-deb', ['-x', path.join(tmp, 'debs', deb), tmp]);
    if (deb.startsWith('libc6_')) writeFileSync(path.join(tmp, 'LIBC6_VERSION'), run('dpkg-deb', ['-f', path.join(tmp, 'debs', deb), 'Version']));
  }
  rmSync(root, { recursive: true, force: true });
  renameSync(tmp, root);
  return { root, libc6Version: readFileSync(versionFile, 'utf8').trim() };
}

/** Finds a shared library by soname under the root's library directories. */
export function findLibrary(root: string, spec: ArchSpec, soname: string): string {
  for (const dir of [`lib/${spec.triplet}`, `usr/lib/${spec.triplet}`, 'lib', 'lib64', 'usr/lib']) {
    const candidate = path.join(root, dir, soname);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`${soname} for ${spec.arch} not found under ${root}`);
}

/** DT_NEEDED entries and PT_INTERP of an ELF file (readelf reads every architecture). */
export function elfInfo(file: string): { needed: string[]; interpreter: string | null } {
  const dyn = run('readelf', ['-dW', file]);
  const needed = [...dyn.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]!);
  const headers = run('readelf', ['-lW', file]);
  const interpreter = /Requesting program interpreter: ([^\]]+)\]/.exec(headers)?.[1] ?? null;
  return { needed, interpreter };
}

/** The closure of shared libraries the given ELF files need, as soname → source path. */
export function libraryClosure(root: string, spec: ArchSpec, files: string[]): Map<string, string> {
  const found = new Map<string, string>();
  const queue = files.flatMap((f) => elfInfo(f).needed);
  while (queue.length > 0) {
    const soname = queue.shift()!;
    if (found.has(soname)) continue;
    const source = findLibrary(root, spec, soname);
    found.set(soname, source);
    queue.push(...elfInfo(source).needed);
  }
  return found;
}
