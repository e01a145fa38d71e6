import { exitError } from '../../src/attune/result';
import { parseOutput } from '../../src/attune/output-format';
import { effectiveTimeout } from '../../bridge/prepare-execution';

describe('Attune result semantics', () => {
  it('derives the error text from stderr like Attune', () => {
    expect(exitError(2, '')).toBe('Command exited with code 2');
    expect(exitError(1, 'a\nb\n')).toBe('a\nb\n');
    expect(exitError(1, '1\n2\n3\n4\n5\n6\nlast\n')).toBe('last');
  });

  it('parses json with the last-line fallback, yaml, and jsonl skipping bad lines', () => {
    expect(parseOutput('{"a":1}', 'json')).toEqual({ a: 1 });
    expect(parseOutput('log line\n{"a":2}\n', 'json')).toEqual({ a: 2 });
    expect(parseOutput('not json', 'json')).toBeUndefined();
    expect(parseOutput('a: 1\nb: [x]\n', 'yaml')).toEqual({ a: 1, b: ['x'] });
    expect(parseOutput('{"a":1}\nnope\n[2]\n', 'jsonl')).toEqual([{ a: 1 }, [2]]);
    expect(parseOutput('{"a":1}', 'text')).toBeUndefined();
    expect(parseOutput('   ', 'json')).toBeUndefined();
  });

  it('takes the first positive timeout: execution, workflow task, action, default', () => {
    expect(effectiveTimeout({ timeout_seconds: 5, workflow_task: { timeout_seconds: 7 } }, { timeout_seconds: 9 }, 600)).toBe(5);
    expect(effectiveTimeout({ timeout_seconds: null, workflow_task: { timeout_seconds: 7 } }, { timeout_seconds: 9 }, 600)).toBe(7);
    expect(effectiveTimeout({ timeout_seconds: 0, workflow_task: null }, { timeout_seconds: 9 }, 600)).toBe(9);
    expect(effectiveTimeout({ timeout_seconds: null, workflow_task: null }, { timeout_seconds: null }, 600)).toBe(600);
  });
});
