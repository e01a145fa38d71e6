/**
 * Attune's knowledge of runtimes in one table: the names it accepts for each (alias normalisation), the
 * binaries its agent probes in order and with which version arguments
 * (crates/common/src/agent_runtime_detection.rs), and the file extension it registers for a detected one.
 * Order matters: it is the agent's probe order.
 */
export interface RuntimeKind {
  name: string;
  aliases: string[];
  /** Binaries probed on PATH, first found wins; empty for runtimes nothing probes (native). */
  binaries: string[];
  versionArgs: string[];
  /** `java -version` prints `version "17.0.2"`: parse the quoted form first. */
  quotedVersion?: boolean;
  fileExtension: string | null;
}

export const RUNTIMES: readonly RuntimeKind[] = [
  { name: 'shell', aliases: ['shell', 'bash', 'sh'], binaries: ['bash', 'sh'], versionArgs: ['--version'], fileExtension: '.sh' },
  { name: 'python', aliases: ['python', 'python3'], binaries: ['python3', 'python'], versionArgs: ['--version'], fileExtension: '.py' },
  { name: 'node', aliases: ['node', 'nodejs', 'node.js'], binaries: ['node', 'nodejs'], versionArgs: ['--version'], fileExtension: '.js' },
  { name: 'ruby', aliases: ['ruby', 'rb'], binaries: ['ruby'], versionArgs: ['--version'], fileExtension: '.rb' },
  { name: 'go', aliases: ['go', 'golang'], binaries: ['go'], versionArgs: ['version'], fileExtension: '.go' },
  { name: 'java', aliases: ['java', 'jdk', 'openjdk'], binaries: ['java'], versionArgs: ['-version'], quotedVersion: true, fileExtension: '.java' },
  { name: 'r', aliases: ['r', 'rscript'], binaries: ['Rscript'], versionArgs: ['--version'], fileExtension: '.R' },
  { name: 'perl', aliases: ['perl', 'perl5'], binaries: ['perl'], versionArgs: ['--version'], fileExtension: '.pl' },
  { name: 'native', aliases: ['native', 'builtin', 'standalone'], binaries: [], versionArgs: ['--version'], fileExtension: null },
];

/** Attune's alias normalisation (node|nodejs|node.js → node, python3 → python, …); unknown names pass lower-cased. */
export function normalizeRuntimeName(name: string): string {
  const n = name.trim().toLowerCase();
  return RUNTIMES.find((r) => r.aliases.includes(n))?.name ?? n;
}

export function runtimeKind(name: string | null): RuntimeKind | undefined {
  return name === null ? undefined : RUNTIMES.find((r) => r.name === normalizeRuntimeName(name));
}

/** The runtimes Attune's agent probes for, in its order. */
export const PROBED_RUNTIMES = RUNTIMES.filter((r) => r.binaries.length > 0);

/** The version in a `--version` output, as Attune's probes read it. */
export function parseVersion(output: string, quoted = false): string | null {
  if (quoted) {
    const inQuotes = /version\s+"([^"]+)"/.exec(output);
    if (inQuotes) return inQuotes[1]!;
  }
  return /(?:v|go)?(\d+\.\d+(?:\.\d+)?)/.exec(output)?.[1] ?? null;
}
