import { parseVersion, satisfies } from '../../src/attune/version-constraint';

describe("Attune's version constraints", () => {
  it('parses leniently', () => {
    expect(parseVersion('v20.11.0')).toEqual([20, 11, 0]);
    expect(parseVersion('3')).toEqual([3, 0, 0]);
    expect(parseVersion('3.12')).toEqual([3, 12, 0]);
    expect(parseVersion('python')).toBeNull();
  });

  it.each([
    ['3.12.1', '3.12', true],
    ['3.13.0', '3.12', false],
    ['3.11.2', '>=3.11,<4.0', true],
    ['4.0.0', '>=3.11,<4.0', false],
    ['3.11.2', '>=3.12', false],
    ['20.11.0', '^20', true],
    ['21.0.0', '^20', false],
    ['3.9.1', '~3', true],
    ['1.2.3', '', true],
    ['1.2.3', '*', true],
    ['1.2.3', '=1.2.3', true],
  ])('%s satisfies "%s": %s', (version, constraint, expected) => {
    expect(satisfies(version, constraint)).toBe(expected);
  });
});
