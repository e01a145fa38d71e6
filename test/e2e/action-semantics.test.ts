import { existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { ROUTING } from '../../src/attune/topology';
import { newEnvelope } from '../../src/attune/envelope';
import { TestDeployment, eventually } from '../helpers/deployment';

/** Attune's action semantics through the full path (dispatch → agent → row), on real interpreters. */
describe('action semantics', () => {
  const d = new TestDeployment();
  beforeAll(() => d.setup(), 120_000);
  afterAll(() => d.teardown());

  const activityResults = async (id: number, type: string) => {
    const history = await d.history(id);
    const scheduled = new Map<string, string>();
    for (const e of history.events ?? []) {
      const a = e.activityTaskScheduledEventAttributes;
      if (a) scheduled.set(String(e.eventId), a.activityType?.name ?? '');
    }
    return (history.events ?? []).filter((e) => e.activityTaskCompletedEventAttributes && scheduled.get(String(e.activityTaskCompletedEventAttributes.scheduledEventId)) === type).length;
  };

  it('runs the steps as separate activities visible in the workflow, skipping those with nothing to do', async () => {
    const shell = await d.dispatch('tests.ok_json'); // no environment, no version constraint
    expect((await d.waitForCompletion(shell)).status).toBe('completed');
    // The artifact checksums come back with runAction's outcome: no finalizeArtifacts step in the current workflow.
    for (const [step, n] of [['claimAgent', 1], ['ensureEnvironment', 0], ['verifyRuntimeVersion', 0], ['runAction', 1], ['finalizeArtifacts', 0]] as const) {
      expect(await activityResults(shell, step)).toBe(n);
    }
    const py = await d.dispatch('tests.too_new'); // python: a venv runtime, and a constraint
    await d.waitForCompletion(py);
    for (const [step, n] of [['ensureEnvironment', 1], ['verifyRuntimeVersion', 1], ['runAction', 0]] as const) expect(await activityResults(py, step)).toBe(n);
  });

  it('builds a python venv with requirements.txt on first use, reuses it, and rebuilds when the file changes', async () => {
    const first = await d.dispatch('pydeps.uses_six');
    const r1 = await d.waitForCompletion(first, 180_000);
    expect(r1.status).toBe('completed');
    const data1 = r1.result!.data as { six: string; prefix: string; executable: string };
    expect(data1.six).toBe('1.16.0');
    expect(data1.prefix.startsWith(path.join(d.dir, 'runtime_envs', 'sha256'))).toBe(true);
    // Attune's marker too: the SHA-256 of the manifest the environment was installed from.
    const manifest = readFileSync(path.join(d.packsDir, 'pydeps', 'requirements.txt'));
    expect(readFileSync(path.join(data1.prefix, '.attune_deps_installed'), 'utf8')).toBe(createHash('sha256').update(manifest).digest('hex'));

    const second = await d.dispatch('pydeps.uses_six');
    const r2 = await d.waitForCompletion(second);
    expect((r2.result!.data as { prefix: string }).prefix).toBe(data1.prefix); // reused, same env

    writeFileSync(path.join(d.packsDir, 'pydeps', 'requirements.txt'), 'six==1.15.0\n');
    const third = await d.dispatch('pydeps.uses_six');
    const r3 = await d.waitForCompletion(third, 180_000);
    expect(r3.result!.data).toMatchObject({ six: '1.15.0' });
    expect((r3.result!.data as { prefix: string }).prefix).not.toBe(data1.prefix);
  }, 400_000);

  it('records a failed environment setup and runs with the system interpreter, trying again next time', async () => {
    writeFileSync(path.join(d.packsDir, 'pydeps', 'requirements.txt'), 'this-package-does-not-exist-attune==0.0.1\n');
    const envRoot = path.join(d.dir, 'runtime_envs', 'sha256');
    for (let attempt = 1; attempt <= 2; attempt++) {
      const id = await d.dispatch('pydeps.where');
      const row = await d.waitForCompletion(id, 180_000);
      expect(row.status).toBe('completed');
      expect((row.result!.data as { prefix: string }).prefix.startsWith(envRoot)).toBe(false);
      const warnings = readFileSync(path.join(d.dir, 'bridge.log'), 'utf8').split('environment setup failed').length - 1;
      expect(warnings).toBe(attempt); // each execution tried again
      expect(readFileSync(path.join(d.dir, 'bridge.log'), 'utf8')).toMatch(/Dependency installation failed \(exit 1, stderr_bytes=\d+\)/);
    }
  }, 300_000);

  it('prints 20 MiB: Attune\'s exact truncated output and flags', async () => {
    const id = await d.dispatch('tests.big_output', { bytes: 20 * 1024 * 1024, exit: 1 });
    const row = await d.waitForCompletion(id);
    expect(row.status).toBe('failed');
    const stdout = row.result!.stdout as string;
    expect(stdout).toBe('x'.repeat(10 * 1024 * 1024 - 128) + '\n\n[OUTPUT TRUNCATED: stdout exceeded size limit]\n');
    expect(row.result).toMatchObject({ stdout_truncated: true, stdout_bytes_truncated: 20 * 1024 * 1024 - (10 * 1024 * 1024 - 128), exit_code: 1 });
  });

  it('does not wait for a background process that keeps stdout open: logs_incomplete instead', async () => {
    const id = await d.dispatch('tests.leaves_child');
    const row = await d.waitForCompletion(id, 20_000);
    expect(row.result).toMatchObject({ succeeded: true, exit_code: 0, stdout: 'main done\n', logs_incomplete: true });
    process.kill(Number(readFileSync(`${d.markerDir}/pids.${id}`, 'utf8')), 'SIGKILL');
  });

  it("ignores a broken stdin pipe when the action exits 0 at once, and reports it otherwise (Attune's rule)", async () => {
    const big = { blob: 'y'.repeat(512 * 1024) }; // more than a pipe buffer: the write must fail
    const ok = await d.dispatch('tests.noread', big);
    expect((await d.waitForCompletion(ok)).result).toMatchObject({ succeeded: true, exit_code: 0 });
    const bad = await d.dispatch('tests.noread_fail', big);
    const row = await d.waitForCompletion(bad);
    expect(row.status).toBe('failed');
    expect(row.result).toMatchObject({ exit_code: 3, error: expect.stringMatching(/^Failed to write parameters to stdin: .*EPIPE/) });
  });

  it('delivers parameters in a 0400 dotenv file', async () => {
    const id = await d.dispatch('tests.file_dotenv', { b: "it's", a: { x: 1 } });
    const row = await d.waitForCompletion(id);
    expect(row.result!.stdout).toBe("mode=400\ndelivery=file format=dotenv\na.x='1'\nb='it'\\''s'");
  });

  it('parses yaml and jsonl output', async () => {
    const y = await d.dispatch('tests.yaml_out', { k: 'v' });
    expect((await d.waitForCompletion(y)).result!.data).toEqual({ received: 'k: v\n', items: ['a', 'b'] });
    const j = await d.dispatch('tests.jsonl_out');
    expect((await d.waitForCompletion(j)).result!.data).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('runs inline shell code with Attune\'s parameter helpers', async () => {
    const id = await d.dispatch('tests.inline', { who: 'world' });
    expect((await d.waitForCompletion(id)).result).toMatchObject({ succeeded: true, stdout: 'inline world\nworld\n' });
  });

  it('runs python and node actions with their runtimes', async () => {
    const py = await d.dispatch('tests.py_echo', { a: 1 });
    expect((await d.waitForCompletion(py)).result!.data).toMatchObject({ echo: { a: 1 }, exec: String(py) });
    const js = await d.dispatch('tests.node_echo', { b: 2 });
    const row = await d.waitForCompletion(js);
    expect(row.result!.data).toMatchObject({ echo: { b: 2 } });
  });

  it('fails clearly before running when the interpreter does not satisfy the version constraint', async () => {
    const id = await d.dispatch('tests.too_new');
    const row = await d.waitForCompletion(id);
    expect(row.status).toBe('failed');
    expect(row.result!.error).toMatch(/^Runtime version mismatch: python 3\.\d+\.\d+ at \S+ does not satisfy ">=99" required by tests\.too_new$/);
    expect(await activityResults(id, 'runAction')).toBe(0);
  });

  it('kills an action that ignores SIGTERM after the 10 s grace period, and delivers the cancel fast', async () => {
    const id = await d.dispatch('tests.ignore_term');
    await eventually(async () => (existsSync(`${d.markerDir}/pids.${id}`) ? true : undefined), 30_000, 'action started');
    const cancelledAt = Date.now();
    await d.cancel(id);
    const row = await d.waitForCompletion(id);
    const finishedAt = Date.now();
    expect(row.status).toBe('cancelled');
    const termAt = Number(readFileSync(`${d.markerDir}/term.${id}`, 'utf8').trim()) / 1e6;
    const latencyMs = termAt - cancelledAt;
    process.stdout.write(`cancel message → SIGTERM in the action: ${latencyMs.toFixed(0)} ms\n`);
    // Without the kill path, cancellation would wait for a heartbeat response (0.8 × 20 s).
    expect(latencyMs).toBeLessThan(5000);
    expect(finishedAt - termAt).toBeGreaterThanOrEqual(9_000);
    const pid = Number(readFileSync(`${d.markerDir}/pids.${id}`, 'utf8'));
    expect(existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z')).toBe(false);
  }, 60_000);

  it('a cancel for an execution that finished long ago is acknowledged without effect', async () => {
    const id = await d.dispatch('tests.ok_json');
    await d.waitForCompletion(id);
    await d.publish(ROUTING.cancel(d.workerId), newEnvelope('ExecutionCancelRequested', { execution_id: id, worker_id: d.workerId }, 'api-service'));
    const probe = await d.dispatch('tests.ok_json');
    await d.waitForCompletion(probe);
    expect((await d.row(id)).status).toBe('completed');
    expect(await d.parked()).toEqual([]);
  });

  it("runs with a registered runtime version's execution_config when the pool advertises it", async () => {
    const before = await d.dispatch('tests.py_where');
    const systemRun = (await d.waitForCompletion(before)).result!.data as { executable: string; version: string };
    // A registered version matching what the pool advertises, whose config names its own interpreter path.
    const registered = path.join(d.dir, 'bin', 'python-registered');
    mkdirSync(path.dirname(registered), { recursive: true });
    symlinkSync(realpathSync(systemRun.executable), registered);
    const version = systemRun.version.split('.').slice(0, 2).join('.');
    await d.db.query(
      `INSERT INTO runtime_version (runtime, runtime_ref, version, execution_config, is_default)
       SELECT id, ref, $2, $1::jsonb, true FROM runtime WHERE ref = 'core.python'`,
      [JSON.stringify({ interpreter: { binary: registered, args: ['-u'], file_extension: '.py' } }), version],
    );
    try {
      const id = await d.dispatch('tests.py_where');
      expect((await d.waitForCompletion(id)).result!.data).toMatchObject({ executable: registered });
    } finally {
      await d.db.query(`DELETE FROM runtime_version WHERE runtime_ref = 'core.python'`);
    }
  });
});
