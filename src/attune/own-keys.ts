/**
 * Walking and writing JSON by keys that come from outside (schemas, pointers, parameters, output) without ever
 * reaching the prototype chain: `__proto__`, `constructor` and `prototype` are ordinary keys here, read only when
 * they are the object's own and written as own data properties, as JSON.parse itself creates them.
 */

/** The object's own value under `key` (never an inherited one). */
export function ownValue(node: object, key: string): unknown {
  return Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
}

/** An RFC 6901 array index: the only tokens that name an array's members (`length`, `01`, `-` name none). */
export const isArrayIndex = (token: string): boolean => /^(0|[1-9][0-9]*)$/.test(token);

/**
 * The JSON member of `node` that `token` names: an object's own value, an array's element by index (an array's own
 * non-element properties such as `length` are not JSON).
 */
export function jsonChild(node: object, token: string): unknown {
  return hasJsonChild(node, token) ? (node as Record<string, unknown>)[token] : undefined;
}

export function hasJsonChild(node: object, token: string): boolean {
  return Array.isArray(node) ? isArrayIndex(token) && Number(token) < node.length : Object.hasOwn(node, token);
}

/** Sets `key` as an own, enumerable data property, whatever its name. */
export function setOwn(node: object, key: string, value: unknown): void {
  Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
}

/** RFC 6901 reference tokens of a pointer ("" is the whole document). */
export function pointerTokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`invalid JSON pointer "${pointer}"`);
  return pointer.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}
