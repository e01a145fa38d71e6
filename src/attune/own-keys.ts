/**
 * Walking and writing JSON by keys that come from outside (schemas, pointers, parameters, output) without ever
 * reaching the prototype chain: `__proto__`, `constructor` and `prototype` are ordinary keys here, read only when
 * they are the object's own and written as own data properties, as JSON.parse itself creates them.
 */

/** The object's own value under `key` (never an inherited one). */
export function ownValue(node: object, key: string): unknown {
  return Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
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
