/** Sets `value` at an RFC 6901 pointer inside `doc`, creating intermediate objects (Attune's restore). */
export function setAtPointer(doc: Record<string, unknown>, pointer: string, value: unknown): void {
  if (pointer === '' || !pointer.startsWith('/')) throw new Error(`invalid JSON pointer "${pointer}"`);
  const parts = pointer.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: Record<string, unknown> = doc;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === null || typeof next !== 'object') node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}
