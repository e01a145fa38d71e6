import fc from 'fast-check';
import { storableJson } from '../../src/attune/storable-json';

/** A UTF-16 code unit that is half of a surrogate pair without its other half. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const poisoned = (s: string) => s.includes('\u0000') || LONE_SURROGATE.test(s);

/** Every string and every object key anywhere in a JSON value. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      strings(v, out);
    }
  }
  return out;
}

/**
 * JSON values built from the given strings (keys too). -0 is left out: JSON itself cannot round-trip it
 * (`JSON.stringify(-0)` is "0"), which has nothing to do with what PostgreSQL can store.
 */
const jsonOf = (str: fc.Arbitrary<string>) =>
  fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constant(null),
      fc.boolean(),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
      fc.integer(),
      str,
      fc.array(tie('value'), { maxLength: 5 }),
      fc.dictionary(str, tie('value'), { maxKeys: 5 }),
    ),
  })).value;

/** Strings that mix any code point with NUL and both halves of surrogate pairs (which may pair up by chance). */
const poisonUnit = fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff', '\ud83d', '\ude00'));
const poisonString = fc.string({ unit: poisonUnit, maxLength: 12 });
/** Any code point but NUL, lone surrogates never (fast-check's binary unit yields whole code points). */
const cleanString = fc.string({ unit: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).map((c) => (c === '\u0000' ? ' ' : c)), maxLength: 12 });

describe('storableJson', () => {
  it('replaces U+0000 and each lone surrogate by U+FFFD, in strings and in keys', () => {
    expect(storableJson('a\u0000b')).toBe('a\ufffdb');
    expect(storableJson({ x: '\u0000', y: '\ud800' })).toEqual({ x: '\ufffd', y: '\ufffd' });
    expect(storableJson({ 'k\u0000': ['\udc00x', { '\udbff': 1 }] })).toEqual({ 'k\ufffd': ['\ufffdx', { '\ufffd': 1 }] });
    expect(storableJson('\ude00\ud83d')).toBe('\ufffd\ufffd'); // the halves in the wrong order
    expect(storableJson('\ud83d\ude00 ok')).toBe('\ud83d\ude00 ok'); // a pair is a character: kept
    expect(storableJson('\ud83d\ud83d\ude00')).toBe('\ufffd\ud83d\ude00');
  });

  it('keeps the later key when two keys become one, as JSON.parse does with duplicate keys', () => {
    expect(storableJson({ 'a\u0000': 1, 'a\ufffd': 2 })).toEqual({ 'a\ufffd': 2 });
    expect(storableJson({ 'a\ufffd': 2, 'a\u0000': 1 })).toEqual({ 'a\ufffd': 1 });
  });

  it('makes own properties of keys such as __proto__, like JSON.parse', () => {
    const parsed = JSON.parse('{"__proto__\\u0000":{"x":1},"__proto__":{"y":"\\u0000"}}') as Record<string, unknown>;
    const out = storableJson(parsed);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__\ufffd', '__proto__']);
    expect(JSON.stringify(out)).toBe('{"__proto__\ufffd":{"x":1},"__proto__":{"y":"\ufffd"}}');
  });

  it('for any JSON value: round-trips through JSON unchanged and holds no U+0000 nor lone surrogate', () => {
    fc.assert(
      fc.property(jsonOf(poisonString), (value) => {
        const out = storableJson(value);
        expect(JSON.parse(JSON.stringify(out))).toEqual(out);
        for (const s of strings(out)) expect(poisoned(s)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('changes only the poisoned characters: a string keeps its length, clean parts stay as they were', () => {
    fc.assert(
      fc.property(poisonString, (s) => {
        const out = storableJson(s);
        expect(out.length).toBe(s.length);
        for (let i = 0; i < s.length; i++) if (out[i] !== s[i]) expect(out[i]).toBe('\ufffd');
      }),
      { numRuns: 2000 },
    );
  });

  it('returns a value without those characters unchanged (the very same object)', () => {
    fc.assert(
      fc.property(fc.oneof(jsonOf(cleanString), fc.jsonValue()), (value) => {
        expect(strings(value).some(poisoned)).toBe(false);
        expect(storableJson(value)).toBe(value);
      }),
      { numRuns: 2000 },
    );
  });
});
