/** Attune's alias normalisation for runtime names (node|nodejs|node.js → node, python3 → python, …). */
export const RUNTIME_ALIASES: Record<string, string[]> = {
  node: ['node', 'nodejs', 'node.js'],
  python: ['python', 'python3'],
  shell: ['shell', 'bash', 'sh'],
  native: ['native', 'builtin', 'standalone'],
  ruby: ['ruby', 'rb'],
  go: ['go', 'golang'],
  java: ['java', 'jdk', 'openjdk'],
  perl: ['perl', 'perl5'],
  r: ['r', 'rscript'],
};

export function normalizeRuntimeName(name: string): string {
  const n = name.trim().toLowerCase();
  return Object.entries(RUNTIME_ALIASES).find(([, names]) => names.includes(n))?.[0] ?? n;
}
