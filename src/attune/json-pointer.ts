import { ownValue, pointerTokens, setOwn } from './own-keys';

/**
 * Sets `value` at an RFC 6901 pointer inside `doc`, creating intermediate objects (Attune's restore). Keys are
 * own properties only: `/__proto__/x` writes a key named `__proto__`, never the prototype.
 */
export function setAtPointer(doc: Record<string, unknown>, pointer: string, value: unknown): void {
  const parts = pointerTokens(pointer);
  if (parts.length === 0) throw new Error(`invalid JSON pointer "${pointer}"`);
  let node: object = doc;
  for (const part of parts.slice(0, -1)) {
    let next = Array.isArray(node) && /^\d+$/.test(part) ? (node as unknown[])[Number(part)] : ownValue(node, part);
    if (next === null || typeof next !== 'object') {
      next = {};
      setOwn(node, part, next);
    }
    node = next as object;
  }
  setOwn(node, parts[parts.length - 1]!, value);
}
