import { isArrayIndex, jsonChild, pointerTokens, setOwn } from './own-keys';

/**
 * Sets `value` at an RFC 6901 pointer inside `doc`, creating intermediate objects (Attune's restore). Keys are
 * own properties only: `/__proto__/x` writes a key named `__proto__`, never the prototype.
 */
export function setAtPointer(doc: Record<string, unknown>, pointer: string, value: unknown): void {
  const parts = pointerTokens(pointer);
  if (parts.length === 0) throw new Error(`invalid JSON pointer "${pointer}"`);
  // An array's own properties (`length`) are not members: writing one would throw, or be lost when serialized.
  const member = (node: object, part: string) => {
    if (Array.isArray(node) && !isArrayIndex(part)) throw new Error(`invalid JSON pointer "${pointer}": "${part}" is not an index of an array`);
    return part;
  };
  let node: object = doc;
  for (const part of parts.slice(0, -1)) {
    let next = jsonChild(node, member(node, part));
    if (next === null || typeof next !== 'object') {
      next = {};
      setOwn(node, part, next);
    }
    node = next as object;
  }
  const last = parts[parts.length - 1]!;
  setOwn(node, member(node, last), value);
}
