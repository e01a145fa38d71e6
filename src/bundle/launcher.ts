import path from 'node:path';
import type { ArchSpec } from './arch';
import { run } from './tools';

/** The launcher's C source, shipped with the package (src/bundle/launcher/attune-agent.c). */
export function launcherSource(): string {
  // dist/src/bundle → src/bundle/launcher
  return path.resolve(__dirname, '..', '..', '..', 'src', 'bundle', 'launcher', 'attune-agent.c');
}

/** Compiles the static entrypoint `attune-agent` for the arch (no libc needed in the image). */
export function buildLauncher(spec: ArchSpec, outFile: string, agentDir: string): void {
  const [cc, ...ccArgs] = spec.cc;
  run(cc!, [...ccArgs, '-static', '-Os', '-Wall', '-Wextra', '-Werror', `-DAGENT_DIR="${agentDir}"`, '-o', outFile, launcherSource()]);
  run(spec.strip, [outFile]);
}
