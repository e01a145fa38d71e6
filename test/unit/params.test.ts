import { formatParameters, shellHelperScript } from '../../src/attune/parameter-passing';

describe('parameter formats', () => {
  const params = { name: "it's", n: 3, ok: true, none: null, headers: { 'Content-Type': 'json' }, list: [1, 'a'], empty: {} };

  it('json is one compact line', () => {
    expect(formatParameters(params, 'json')).toBe(JSON.stringify(params));
  });

  it("dotenv flattens with dots, sorts, quotes with '\\'' and has no trailing newline", () => {
    expect(formatParameters(params, 'dotenv')).toBe(
      ["headers.Content-Type='json'", 'list=\'[1,"a"]\'', "n='3'", "name='it'\\''s'", "none=''", "ok='true'"].join('\n'),
    );
  });

  it('yaml is a mapping', () => {
    expect(formatParameters({ a: 1, b: 'x' }, 'yaml')).toBe('a: 1\nb: x\n');
  });

  it('inline shell helpers define PARAM_ and plain variables', () => {
    expect(shellHelperScript({ 'test.api_url': 'http://x', '9lives': 1 }, 'echo hi')).toBe(
      "#!/bin/bash\nset -e\n\n# Action parameters\nPARAM_TEST_API_URL='http://x'\ntest_api_url='http://x'\nPARAM__LIVES='1'\n_lives='1'\n\n# Action code\necho hi",
    );
    expect(shellHelperScript({}, 'true')).toBe('#!/bin/bash\nset -e\n\n# Action parameters\n\n# Action code\ntrue');
  });
});
