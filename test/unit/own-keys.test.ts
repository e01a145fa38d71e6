import fc from 'fast-check';
import { setAtPointer } from '../../src/attune/json-pointer';
import { redactAt, secretOutputPaths, SECRET_MARKER } from '../../src/attune/result-redaction';

/** Keys from outside never reach a prototype: schemas, pointers and output naming __proto__ / constructor. */
describe('prototype-safe JSON', () => {
  const pristine = () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.toString.call([])).toBe('[object Array]');
    expect(typeof Object.prototype.toString).toBe('function');
  };
  afterEach(pristine);

  it('a pointer through __proto__ writes an own key named __proto__', () => {
    const doc: Record<string, unknown> = {};
    setAtPointer(doc, '/__proto__/polluted', 's3cr3t');
    expect(Object.hasOwn(doc, '__proto__')).toBe(true);
    expect(JSON.stringify(doc)).toBe('{"__proto__":{"polluted":"s3cr3t"}}');
    setAtPointer(doc, '/constructor/prototype/polluted', 'x');
    expect(JSON.parse(JSON.stringify(doc))).toEqual(JSON.parse('{"__proto__":{"polluted":"s3cr3t"},"constructor":{"prototype":{"polluted":"x"}}}'));
  });

  it('an out_schema walking __proto__ / constructor redacts nothing outside the output', () => {
    const schema = JSON.parse('{"__proto__": {"properties": {"toString": {"secret": true}}}, "constructor": {"properties": {"prototype": {"properties": {"polluted": {"secret": true}}}}}}');
    const paths = secretOutputPaths(schema);
    expect(paths).toEqual(['/__proto__/toString', '/constructor/prototype/polluted']);
    const { redacted, taken } = redactAt({ answer: 42 }, paths);
    expect(redacted).toEqual({ answer: 42 });
    expect(taken.size).toBe(0);
  });

  it('redacts an own __proto__ field of the output like any other', () => {
    const data = JSON.parse('{"__proto__": {"token": "abc"}, "ok": true}');
    const { redacted, taken } = redactAt(data, ['/__proto__/token']);
    expect(JSON.stringify(redacted)).toBe(`{"__proto__":{"token":${JSON.stringify(SECRET_MARKER)}},"ok":true}`);
    expect([...taken]).toEqual([['/__proto__/token', 'abc']]);
  });

  it('holds for any keys (fast-check): setAtPointer then reading back by own keys gives the value, prototypes untouched', () => {
    const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'), fc.string({ maxLength: 6 }));
    fc.assert(
      fc.property(fc.array(key, { minLength: 1, maxLength: 4 }), fc.jsonValue(), (keys, value) => {
        const doc: Record<string, unknown> = {};
        const pointer = `/${keys.map((k) => k.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
        setAtPointer(doc, pointer, value);
        let node: unknown = doc;
        for (const k of keys) {
          expect(Object.hasOwn(node as object, k)).toBe(true);
          node = (node as Record<string, unknown>)[k];
        }
        expect(node).toEqual(value);
        pristine();
      }),
    );
  });
});
