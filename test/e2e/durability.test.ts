import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROUTING } from '../../src/attune/topology';
import { newEnvelope } from '../../src/attune/envelope';
import { TestDeployment, eventually } from '../helpers/deployment';

/** Crashes and message orderings that Attune's native worker loses; here nothing is lost or run twice. */
describe('durability of the dispatch path', () => {
  const d = new TestDeployment();
  beforeAll(() => d.setup(), 120_000);
  afterAll(() => d.teardown());

  const cancelMessage = (executionId: number) =>
    newEnvelope('ExecutionCancelRequested', { execution_id: executionId, worker_id: d.workerId }, 'api-service');

  it('a cancel that arrives before its dispatch ends cancelled, and the action never runs', async () => {
    const id = await d.createExecution('tests.ok_json');
    await d.publish(ROUTING.cancel(d.workerId), cancelMessage(id));
    await d.waitForStatus(id, 'cancelled');
    await d.publish(ROUTING.dispatch(d.workerId), d.dispatchEnvelope(id, 'tests.ok_json'));
    await new Promise((r) => setTimeout(r, 2000));
    const row = await d.row(id);
    expect(row.status).toBe('cancelled');
    expect(row.result).toMatchObject({ cancelled: true, error: 'Cancelled before execution started' });
    expect(row.started_at).toBeNull();
    expect(d.runsRecorded()).not.toContain(String(id));
    expect(d.messagesFor(id, 'ExecutionCompleted')).toHaveLength(1);
    await d.recordHistory(id, 'v6-cancelled-before-dispatch');
  });

  it('a cancel before dispatch holds across a bridge restart', async () => {
    await d.bridge!.stop();
    const id = await d.createExecution('tests.ok_json');
    await d.publish(ROUTING.cancel(d.workerId), cancelMessage(id));
    d.startBridge();
    await d.waitForStatus(id, 'cancelled');
    await d.bridge!.stop();
    await d.publish(ROUTING.dispatch(d.workerId), d.dispatchEnvelope(id, 'tests.ok_json'));
    d.startBridge();
    // The restarted bridge drains the dispatch; it must be rejected, not run.
    const probe = await d.dispatch('tests.ok_json', { probe: true });
    await d.waitForCompletion(probe);
    expect((await d.row(id)).status).toBe('cancelled');
    expect(d.runsRecorded()).not.toContain(String(id));
  });

  it.each(['before-start', 'after-start'])('a bridge SIGKILLed %s, before acking, completes the execution exactly once after restart', async (point) => {
    await d.bridge!.stop();
    const crashing = d.startBridge({ ATTUNE_TEMPORAL_CRASH_AT: point });
    const id = await d.dispatch('tests.ok_json', { crash: point });
    const exit = await crashing.exited;
    expect(exit.signal).toBe('SIGKILL');
    d.startBridge();
    const row = await d.waitForCompletion(id);
    expect(row.status).toBe('completed');
    await new Promise((r) => setTimeout(r, 2000));
    expect(d.runsRecorded().filter((r) => r === String(id))).toHaveLength(1);
    expect(d.messagesFor(id, 'ExecutionCompleted')).toHaveLength(1);
  });

  it('an agent SIGKILLed mid-action: the execution ends failed (agent lost), and a new agent takes new work', async () => {
    const id = await d.dispatch('tests.sleep');
    await eventually(async () => (existsSync(`${d.markerDir}/pids.${id}`) ? true : undefined), 30_000, 'action started');
    const agent = d.agents[0]!;
    await agent.stop('SIGKILL');
    const row = await d.waitForCompletion(id, 90_000);
    expect(row.status).toBe('failed');
    expect(row.result!.error).toMatch(/^Agent .+ was lost while running the action \(no heartbeat for 20s\)$/);
    // The plain-node agent has no PID-1 launcher: reap what it left behind (the bundle's launcher does this).
    for (const pid of readFileSync(`${d.markerDir}/pids.${id}`, 'utf8').trim().split(/\s+/).map(Number)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    d.agents.splice(0, 1);
    d.startAgent();
    const next = await d.dispatch('tests.ok_json');
    expect((await d.waitForCompletion(next, 90_000)).status).toBe('completed');
  }, 180_000);

  it('logs the bridge cannot read (artifacts volume not shared): reported with the tails, never stuck', async () => {
    await Promise.all(d.agents.map((a) => a.stop()));
    d.agents.length = 0;
    d.startAgent({}, { privateArtifacts: true });
    const id = await d.dispatch('tests.fail');
    const row = await d.waitForCompletion(id, 120_000);
    expect(row.status).toBe('failed');
    expect(row.result).toMatchObject({ exit_code: 3, stdout: 'partial output\n', error: 'something went wrong\n', logs_incomplete: true });
    expect(readFileSync(path.join(d.dir, 'bridge.log'), 'utf8')).toContain('reporting with the tails only');
    await Promise.all(d.agents.map((a) => a.stop()));
    d.agents.length = 0;
    d.startAgent();
  }, 180_000);

  it('a pack test request gets an explicit failure so the install does not hang', async () => {
    const pack = await d.db.query<{ id: string }>(`INSERT INTO pack (ref, label, version, install_status) VALUES ('newpack', 'newpack', '1.0.0', 'pending') RETURNING id`);
    const install = await d.db.query<{ id: string }>(
      `INSERT INTO pack_install (pack_ref, pack_version, status, trigger_reason, pack_id, assigned_worker_id) VALUES ('newpack', '1.0.0', 'running', 'install', $1, $2) RETURNING id`,
      [pack.rows[0]!.id, d.workerId],
    );
    const installId = Number(install.rows[0]!.id);
    await d.publish(
      ROUTING.packTestDispatch(d.workerId),
      newEnvelope('PackTestRequested', { pack_install_id: installId, pack_ref: 'newpack', pack_version: '1.0.0', trigger_reason: 'install', required_runtimes: ['shell'] }, 'executor'),
    );
    await eventually(async () => {
      const { rows } = await d.db.query<{ status: string }>(`SELECT status FROM pack_install WHERE id = $1`, [installId]);
      return rows[0]?.status === 'failed' ? true : undefined;
    }, 20_000, 'pack install failed');
    const { rows } = await d.db.query(`SELECT i.error_message, i.finished_at, p.install_status FROM pack_install i JOIN pack p ON p.id = i.pack_id WHERE i.id = $1`, [installId]);
    expect(rows[0]).toMatchObject({ error_message: expect.stringMatching(/^Pack tests are not run by attune-temporal/), install_status: 'install_failed' });
    expect(rows[0].finished_at).not.toBeNull();
  });

  it('a dispatch for a row Attune already failed is fenced: nothing runs, nothing is overwritten', async () => {
    const id = await d.createExecution('tests.ok_json');
    await d.db.query(`UPDATE execution SET status = 'failed', result = '{"error":"abandoned by executor"}' WHERE id = $1`, [id]);
    await d.publish(ROUTING.dispatch(d.workerId), d.dispatchEnvelope(id, 'tests.ok_json'));
    const probe = await d.dispatch('tests.ok_json', { probe: 2 });
    await d.waitForCompletion(probe);
    const row = await d.row(id);
    expect(row).toMatchObject({ status: 'failed', result: { error: 'abandoned by executor' } });
    expect(d.runsRecorded()).not.toContain(String(id));
    expect(d.messagesFor(id)).toHaveLength(0);
  });
});
