import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ensureAction, ensurePack } from '../../src/demo/sample-pack';
import { TestDeployment } from '../helpers/deployment';

/** Where the acceptance run found us different from Attune's worker: the same texts, files and names now. */
describe('fidelity to Attune\'s worker', () => {
  const d = new TestDeployment();
  beforeAll(async () => {
    await d.setup();
    // A runtime no agent has, and a native action whose file is not executable.
    const tests = await ensurePack(d.db, 'tests');
    const { rows } = await d.db.query<{ id: string }>(
      `INSERT INTO runtime (ref, pack, pack_ref, name, aliases, distributions, execution_config)
       VALUES ('tests.cobol', $1, 'tests', 'Cobol', '{cobol}', '{}'::jsonb, '{"interpreter": {"binary": "cobc-not-installed"}}'::jsonb) RETURNING id`,
      [tests],
    );
    await d.db.query(`INSERT INTO action (ref, pack, pack_ref, label, entrypoint, runtime) VALUES ('tests.cobol', $1, 'tests', 'cobol', 'hello.cob', $2)`, [tests, rows[0]!.id]);
    await d.db.query(`INSERT INTO action (ref, pack, pack_ref, label, entrypoint, runtime) VALUES ('tests.notexec', $1, 'tests', 'notexec', 'notexec.bin', NULL)`, [tests]);
    await ensureAction(d.db, { ref: 'tests.inline_name', entrypoint: 'echo "$0"; test -f "$0" && echo present', runtime: 'shell' });
  }, 120_000);
  afterAll(() => d.teardown());

  it('a runtime the agent does not have: Attune\'s "Runtime \'<name>\' not found for action" text', async () => {
    const row = await d.waitForCompletion(await d.dispatch('tests.cobol'));
    expect(row.status).toBe('failed');
    expect(row.result!.error).toMatch(/^Action execution failed: Internal error: Runtime not found: Runtime 'cobol' not found for action: tests\.cobol \(available: (\w+, )*native\)$/);
  });

  it('a native action whose file is not executable: Attune\'s "Binary is not executable" text, nothing spawned', async () => {
    const row = await d.waitForCompletion(await d.dispatch('tests.notexec'));
    expect(row.status).toBe('failed');
    expect(row.result!.error).toBe(`Action execution failed: Internal error: Execution failed: Binary is not executable: ${path.join(d.packsDir, 'tests', 'actions', 'notexec.bin')}`);
  });

  it('leaves result.json (the parsed, redacted output, pretty-printed) in the execution\'s artifact directory', async () => {
    const id = await d.dispatch('tests.ok_json', { name: 'result-file' });
    const row = await d.waitForCompletion(id);
    expect(row.status).toBe('completed');
    const file = path.join(d.artifactsDir, `execution_${id}`, 'result.json');
    const text = readFileSync(file, 'utf8');
    expect(JSON.parse(text)).toEqual(row.result!.data); // the row's jsonb orders keys its own way
    expect(text).toMatch(/^\{\n {2}"/); // pretty-printed, as Attune's worker writes it
  });

  it('writes an inline shell script as <tmp>/attune/inline_actions/exec_<id>_<random>.sh, removed afterwards', async () => {
    const id = await d.dispatch('tests.inline_name');
    const row = await d.waitForCompletion(id);
    expect(row.status).toBe('completed');
    const [script, present] = String(row.result!.stdout).trim().split('\n');
    expect(script).toMatch(new RegExp(`/attune/inline_actions/exec_${id}_[0-9a-f]{6}\\.sh$`));
    expect(present).toBe('present');
    expect(existsSync(script!)).toBe(false);
  });
});
