import { chmodSync, copyFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sha256File } from '../sha256-file';
import { archSpec, type ArchSpec } from './arch';
import { buildAgentJs, NATIVE_ADDON_RELATIVE } from './build-agent-js';
import { cLibrary, elfInfo, libraryClosure } from './c-library';
import { buildLauncher, buildNodump } from './launcher';
import { officialNode } from './node-binary';
import { run } from './tools';
import { warmCodeCache } from './warm-code-cache';

/** The bundle's loader path is baked into bin/node: the directory must be mounted here. */
export const AGENT_DIR = '/opt/attune/agent';
export const NODE_MAJOR = 22;
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

export interface BundleResult {
  arch: ArchSpec['arch'];
  dir: string;
  nodeVersion: string;
  rawBytes: number;
  tarballs: { file: string; bytes: number; sha256: string }[];
}

/**
 * Builds the self-contained agent directory for one arch:
 *   attune-agent              static launcher (entrypoint; init duties, env scrub)
 *   bin/node                  official Node LTS, stripped, then patchelf'd to our loader with DT_RPATH
 *   lib/                      glibc, its loader, libstdc++, libgcc_s, librt … (Debian 12), attune-nodump.so
 *   addon/core-bridge.node    Temporal's native module for the arch
 *   agent.js                  compiles agent-main.js with agent-main.js.v8cache (made by this host when it can run the bundle)
 *   agent-main.js             the activities-only agent as one esbuild bundle (+ failure-converter.js)
 *   certs/ca-certificates.crt CA bundle for the agent's own TLS
 * then agent-<arch>.tar.gz and .tar.zst with .sha256 files next to the directory.
 */
export async function buildBundle(opts: { arch: string; out: string; archives?: boolean; log?: (line: string) => void }): Promise<BundleResult> {
  const spec = archSpec(opts.arch);
  const log = opts.log ?? (() => undefined);
  const dir = path.resolve(opts.out, `agent-${spec.arch}`);
  rmSync(dir, { recursive: true, force: true });
  for (const sub of ['bin', 'lib', 'addon', 'certs']) mkdirSync(path.join(dir, sub), { recursive: true });

  const node = officialNode(spec, NODE_MAJOR);
  log(`node ${node.version} (${spec.nodePackage})`);
  const addonSource = path.join(path.dirname(require.resolve('@temporalio/core-bridge/package.json')), 'releases', spec.coreBridgeTarget, 'index.node');
  const nodeOut = path.join(dir, 'bin', 'node');
  const addonOut = path.join(dir, NATIVE_ADDON_RELATIVE);
  copyFileSync(node.path, nodeOut);
  copyFileSync(addonSource, addonOut);
  // Strip before patchelf: the other order corrupts .dynstr (injection.md §5).
  run(spec.strip, [nodeOut]);
  run(spec.strip, ['--strip-unneeded', addonOut]);

  const { root, libc6Version: glibc } = cLibrary(spec);
  const libs = libraryClosure(root, spec, [node.path, addonSource]);
  const interpreter = elfInfo(node.path).interpreter;
  if (!interpreter) throw new Error('node has no program interpreter');
  const loader = path.basename(interpreter);
  if (!libs.has(loader)) throw new Error(`loader ${loader} missing from the library closure`);
  for (const [soname, source] of libs) copyFileSync(source, path.join(dir, 'lib', soname));
  log(`libraries: ${[...libs.keys()].join(' ')}`);
  // DT_RPATH (not RUNPATH): it also covers the addon's own dependencies (librt) and beats an image's LD_LIBRARY_PATH.
  run('patchelf', ['--set-interpreter', `${AGENT_DIR}/lib/${loader}`, '--force-rpath', '--set-rpath', '$ORIGIN/../lib', nodeOut]);

  buildLauncher(spec, path.join(dir, 'attune-agent'), AGENT_DIR);
  buildNodump(spec, path.join(dir, 'lib', 'attune-nodump.so'));
  copyFileSync(CA_BUNDLE, path.join(dir, 'certs', 'ca-certificates.crt'));
  const js = await buildAgentJs(dir, NODE_MAJOR);
  log(`agent.js + agent-main.js + failure-converter.js: ${js.bytes} bytes from ${js.inputs} modules`);
  const codeCacheBytes = warmCodeCache(dir, spec, loader);
  log(codeCacheBytes === null ? `no V8 code cache: this host is not ${spec.arch}` : `V8 code cache ${codeCacheBytes} bytes`);
  writeFileSync(
    path.join(dir, 'BUNDLE.json'),
    `${JSON.stringify({ arch: spec.arch, agentDir: AGENT_DIR, node: node.version, nodePackage: spec.nodePackage, glibc: `Debian libc6 ${glibc}`, libraries: [...libs.keys()], coreBridge: spec.coreBridgeTarget, codeCacheBytes, builtAt: new Date().toISOString() }, null, 2)}\n`,
  );
  // glibc (LGPL) and libstdc++ (GPL + runtime exception): say where the corresponding source is.
  writeFileSync(
    path.join(dir, 'lib', 'SOURCES.txt'),
    `The libraries in this directory are unmodified copies from Debian 12 (bookworm) packages libc6, libstdc++6 and\nlibgcc-s1 (${spec.debianArch}); libc6 version ${glibc}. Corresponding source: https://sources.debian.org/src/glibc/ and\nhttps://sources.debian.org/src/gcc-12/ (apt-get source glibc gcc-12).\n`,
  );
  for (const f of ['attune-agent', 'bin/node']) chmodSync(path.join(dir, f), 0o755);
  chmodSync(addonOut, 0o644);

  const rawBytes = directoryBytes(dir);
  const tarballs = [];
  for (const [ext, compress] of opts.archives === false ? [] : [
    ['tar.gz', ['gzip', '-9', '-n']],
    // --long=27: a 128 MiB window (-0.5 MiB on 36.9; --ultra -22 gains 0.2 more for 2.5x the time). 27 is the
    // largest window a stock zstd / tar --zstd decompresses without being told --long.
    ['tar.zst', ['zstd', '-19', '--long=27', '-T0', '-q']],
  ] as const) {
    const file = `${dir}.${ext}`;
    // Deterministic archive: sorted names, fixed owner and mtime.
    run('sh', ['-c', `tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$1" -cf - . | ${compress.join(' ')} > "$2"`, 'tar', dir, file]);
    const sha256 = await sha256File(file);
    writeFileSync(`${file}.sha256`, `${sha256}  ${path.basename(file)}\n`);
    tarballs.push({ file, bytes: statSync(file).size, sha256 });
  }
  return { arch: spec.arch, dir, nodeVersion: node.version, rawBytes, tarballs };
}

function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    total += entry.isDirectory() ? directoryBytes(p) : statSync(p).size;
  }
  return total;
}

