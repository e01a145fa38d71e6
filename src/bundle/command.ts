import path from 'node:path';
import { hostArch } from './arch';
import { buildBundle } from './bundle';

/** `attune-temporal bundle [--arch] [--out]`: builds the agent directory and its tarballs, prints a summary. */
export async function bundleCommand(opts: { arch?: string; out?: string; archive?: boolean }): Promise<void> {
  const out = path.resolve(opts.out ?? path.join('dist', 'agent-bundle'));
  const result = await buildBundle({ arch: opts.arch ?? hostArch(), out, archives: opts.archive !== false, log: (line) => process.stderr.write(`[bundle] ${line}\n`) });
  const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
  process.stdout.write(`${result.dir}  (${result.arch}, node ${result.nodeVersion}) raw ${result.rawBytes} bytes = ${mib(result.rawBytes)}\n`);
  for (const t of result.tarballs) process.stdout.write(`${t.file}  ${t.bytes} bytes = ${mib(t.bytes)}  sha256 ${t.sha256}\n`);
}
