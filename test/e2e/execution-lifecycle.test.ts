import { existsSync, readFileSync } from 'node:fs';
import { newEnvelope } from '../../src/attune/envelope';
import { EXCHANGES, ROUTING } from '../../src/attune/topology';
import { TestDeployment, eventually } from '../helpers/deployment';
import { isAlive } from '../helpers/processes';

/** Dispatch → bridge → workflow → agent → row and bus, over the real services. */
describe('an execution dispatched by Attune', () => {
  const d = new TestDeployment();
  beforeAll(() => d.setup(), 120_000);
  afterAll(() => d.teardown());

  it('completes with parsed JSON output, a running and a final status message, and an accurate completion', async () => {
    const id = await d.dispatch('tests.ok_json', { name: 'attune', n: 3 });
    const row = await d.waitForCompletion(id);
    expect(row.status).toBe('completed');
    expect(row.started_at).not.toBeNull();
    expect(row.result).toMatchObject({ succeeded: true, exit_code: 0, data: { ok: true, params: { name: 'attune', n: 3 }, exec: String(id), pack: 'tests' } });
    expect(typeof row.result!.duration_ms).toBe('number');
    expect(row.result!.stderr_log).toMatch(new RegExp(`execution_${id}/stderr\\.log$`));
    expect(readFileSync(row.result!.stderr_log as string, 'utf8')).toBe('some log line\n');
    expect(row.result).not.toHaveProperty('stdout'); // parsed output is not stored twice

    const statuses = d.messagesFor(id, 'ExecutionStatusChanged').map((m) => [m.payload.previous_status, m.payload.new_status]);
    expect(statuses).toEqual([['scheduled', 'running'], ['running', 'completed']]);
    const [completed] = d.messagesFor(id, 'ExecutionCompleted');
    expect(completed!.payload).toMatchObject({ execution_id: id, action_ref: 'tests.ok_json', status: 'completed', result: row.result });
    expect(typeof completed!.payload.action_id).toBe('number');
    expect(completed!.properties).toMatchObject({ contentType: 'application/json', deliveryMode: 2 });
    await d.recordHistory(id, 'v6-completed-json');
  });

  it('registers the pool with its runtimes, and auto-registers detected runtimes Attune has no row for', async () => {
    const { rows } = await d.db.query(`SELECT worker_type, worker_role, status, capabilities FROM worker WHERE id = $1`, [d.workerId]);
    expect(rows[0]).toMatchObject({ worker_type: 'container', worker_role: 'action', status: 'active' });
    const caps = rows[0].capabilities as { runtimes: string[]; detected_interpreters: { name: string; path: string }[]; agent_mode: boolean };
    expect(caps.runtimes).toEqual(expect.arrayContaining(['shell', 'python', 'native']));
    expect(caps.agent_mode).toBe(true);
    // The fixture seeds core.shell, core.python and core.nodejs; anything else the agent found is auto.*.
    const extra = caps.detected_interpreters.filter((i) => !['shell', 'python', 'node'].includes(i.name));
    expect(extra.map((i) => i.name)).toContain('perl'); // Debian always has perl
    const auto = await d.db.query<{ ref: string }>(`SELECT ref, auto_detected, detection_config FROM runtime WHERE ref LIKE 'auto.%' ORDER BY ref`);
    expect(auto.rows.map((r) => r.ref)).toEqual(extra.map((i) => `auto.${i.name}`).sort());
    for (const r of auto.rows) expect(r).toMatchObject({ auto_detected: true, detection_config: { detected_path: expect.any(String) } });
  });

  it('fails on a non-zero exit with the stderr as error and the output kept', async () => {
    const id = await d.dispatch('tests.fail');
    const row = await d.waitForCompletion(id);
    expect(row.status).toBe('failed');
    expect(row.result).toMatchObject({ succeeded: false, exit_code: 3, error: 'something went wrong\n', stdout: 'partial output\n' });
    expect(d.messagesFor(id, 'ExecutionCompleted')[0]!.payload.status).toBe('failed');
    await d.recordHistory(id, 'v6-failed-exit');
  });

  it('times out: the process group is killed and the row says timeout', async () => {
    const id = await d.dispatch('tests.sleep', {}, { timeoutSeconds: 2 });
    const row = await d.waitForCompletion(id);
    expect(row.status).toBe('timeout');
    expect(row.result).toMatchObject({ succeeded: false, timed_out: true, exit_code: -1, error: 'Execution timed out after 2 seconds', stdout: 'sleeping\n' });
    expectProcessesGone(d.markerDir, id);
    await d.recordHistory(id, 'v6-timeout');
  });

  it('is cancelled while running: the processes are gone and the row says cancelled', async () => {
    const id = await d.dispatch('tests.sleep');
    await d.waitForStatus(id, 'running');
    await eventually(async () => (existsSync(`${d.markerDir}/pids.${id}`) ? true : undefined), 30_000, 'action started');
    await d.cancel(id);
    const row = await d.waitForCompletion(id);
    expect(row.status).toBe('cancelled');
    expect(row.result).toMatchObject({ succeeded: false, cancelled: true, error: 'Execution cancelled by user' });
    expectProcessesGone(d.markerDir, id);
    expect(d.messagesFor(id, 'ExecutionCompleted')[0]!.payload.status).toBe('cancelled');
    await d.recordHistory(id, 'v6-cancelled-running');
  });

  it('stores 10 MiB of output in the row, with no Temporal payload carrying it', async () => {
    const bytes = 10 * 1024 * 1024 - 1024; // what fits under Attune's 10 MiB bound (minus its 128-byte reserve)
    const id = await d.dispatch('tests.big_output', { bytes });
    const row = await d.waitForCompletion(id);
    expect(row.status).toBe('completed');
    expect((row.result!.stdout as string).length).toBe(bytes);
    expect(row.result).not.toHaveProperty('stdout_truncated');
    const history = await d.history(id);
    const largestPayload = Math.max(...JSON.stringify(history.events).split('"data":"').slice(1).map((p) => p.indexOf('"')));
    expect(largestPayload).toBeLessThan(64 * 1024);
  });

  it('runs the same dispatch delivered three times exactly once', async () => {
    const id = await d.createExecution('tests.ok_json', {});
    const envelope = d.dispatchEnvelope(id, 'tests.ok_json');
    for (let i = 0; i < 3; i++) await d.publish(ROUTING.dispatch(d.workerId), envelope);
    await d.waitForCompletion(id);
    await new Promise((r) => setTimeout(r, 2000)); // room for a wrongful second run to show up
    expect(d.runsRecorded().filter((r) => r === String(id))).toHaveLength(1);
    expect(d.messagesFor(id, 'ExecutionCompleted')).toHaveLength(1);
    expect(d.messagesFor(id, 'ExecutionStatusChanged').filter((m) => m.payload.new_status === 'running')).toHaveLength(1);
  });

  it('dead-letters a malformed message and one of an unknown type to attune.dlx with reasons, parks them, and keeps consuming', async () => {
    const onDlx = await d.observe(EXCHANGES.dlx, ROUTING.dispatch(d.workerId));
    await d.publish(ROUTING.dispatch(d.workerId), Buffer.from('{not json'));
    await d.publish(ROUTING.dispatch(d.workerId), newEnvelope('SomethingElse', { execution_id: 1 }, 'executor'));
    await d.publish(ROUTING.dispatch(d.workerId), newEnvelope('ExecutionRequested', { execution_id: 'x' }, 'executor'));
    const id = await d.dispatch('tests.ok_json', { after: 'parked' });
    expect((await d.waitForCompletion(id)).status).toBe('completed');
    const parked = await eventually(async () => {
      const found = await d.parked();
      return found.length >= 3 ? found : undefined;
    }, 10_000, 'three parked messages');
    const reasons = [
      expect.stringMatching(/^body is not JSON/),
      'unexpected message_type "SomethingElse" on the executions queue',
      expect.stringMatching(/^invalid ExecutionRequested payload: execution_id/),
    ];
    expect(parked.map((p) => p.reason)).toEqual(expect.arrayContaining(reasons));
    expect(parked).toHaveLength(3);
    expect(parked.map((p) => p.body)).toContain('{not json');
    // Attune's way: published to attune.dlx with the original routing key, so whatever is bound there sees them.
    expect(onDlx.map((m) => m.headers['x-parked-reason'])).toEqual(expect.arrayContaining(reasons));
    expect(onDlx.every((m) => m.headers['x-original-queue'] === `worker.${d.workerId}.executions`)).toBe(true);
  });
});

function expectProcessesGone(markerDir: string, executionId: number): void {
  const pids = readFileSync(`${markerDir}/pids.${executionId}`, 'utf8').trim().split(/\s+/).map(Number);
  for (const pid of pids) expect(isAlive(pid)).toBe(false);
}
