import { selectRuntimeVersion } from '../../src/attune/runtime-version-selection';

const row = (version: string, is_default = false, available = true) => ({ version, execution_config: { v: version }, is_default, available });

describe("Attune's runtime version selection", () => {
  const rows = [row('3.11'), row('3.12', true), row('3.13')];

  it('keeps only versions the worker advertises (3.12 matches 3.12.13)', () => {
    expect(selectRuntimeVersion(rows, ['3.12.13'], null)?.version).toBe('3.12');
    expect(selectRuntimeVersion(rows, ['3.10.1'], null)).toBeNull();
  });

  it('takes the highest satisfying the constraint, else the default, else the highest', () => {
    expect(selectRuntimeVersion(rows, ['3.11.2', '3.12.1', '3.13.0'], '>=3.11,<3.13')?.version).toBe('3.12');
    expect(selectRuntimeVersion(rows, ['3.11.2', '3.12.1', '3.13.0'], null)?.version).toBe('3.12');
    expect(selectRuntimeVersion([row('3.11'), row('3.13')], ['3.11.2', '3.13.0'], null)?.version).toBe('3.13');
    expect(selectRuntimeVersion(rows, ['3.11.2'], '>=3.12')).toBeNull();
  });

  it('ignores unavailable versions', () => {
    expect(selectRuntimeVersion([row('3.12', true, false), row('3.11')], ['3.12.1', '3.11.2'], null)?.version).toBe('3.11');
  });
});
