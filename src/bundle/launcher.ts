import path from 'node:path';
import type { ArchSpec } from './arch';
import { run } from './tools';

/** The launcher's C source, shipped with the package (src/bundle/launcher/attune-agent.c). */
export function launcherSource(): string {
  // dist/src/bundle → src/bundle/launcher
  return path.resolve(__dirname, '..', '..', '..', 'src', 'bundle', 'launcher', 'attune-agent.c');
}

/** The preload that makes the agent's node non-dumpable (src/bundle/launcher/nodump.c). */
export function nodumpSource(): string {
  return path.resolve(__dirname, '..', '..', '..', 'src', 'bundle', 'launcher', 'nodump.c');
}

/** Compiles lib/attune-nodump.so for the arch: a constructor with one raw system call, no C library needed. */
export function buildNodump(spec: ArchSpec, outFile: string): void {
  const [cc, ...ccArgs] = spec.cc;
  run(cc!, [...ccArgs, '-shared', '-fPIC', '-nostdlib', '-Os', '-Wall', '-Wextra', '-Werror', '-o', outFile, nodumpSource()]);
  run(spec.strip, ['--strip-unneeded', outFile]);
}

/** Compiles the static entrypoint `attune-agent` for the arch (no libc needed in the image). */
export function buildLauncher(spec: ArchSpec, outFile: string, agentDir: string): void {
  const [cc, ...ccArgs] = spec.cc;
  run(cc!, [...ccArgs, '-static', '-Os', '-Wall', '-Wextra', '-Werror', `-DAGENT_DIR="${agentDir}"`, '-o', outFile, launcherSource()]);
  run(spec.strip, [outFile]);
}
