import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { TestDeployment, eventually } from '../helpers/deployment';
import { isAlive } from '../helpers/processes';

const VOLUME_BYTES = 256 * 1024;
const rootOnly = process.getuid?.() === 0 ? describe : describe.skip;

/**
 * A full artifacts volume: a 256 KiB tmpfs mounted over the deployment's artifacts dir (shared by bridge
 * and agent, as in production), and an action printing 1 MiB. Deterministic: the pipe holds at most
 * 64 KiB, so the action cannot finish before the agent has failed to store its output.
 */
rootOnly('artifacts volume full', () => {
  const d = new TestDeployment();
  let mounted = false;
  beforeAll(async () => {
    await d.setup({ agent: false });
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${VOLUME_BYTES},mode=0755`, 'tmpfs', d.artifactsDir]);
    mounted = true;
    d.startAgent();
    d.workerId = await d.waitForWorker();
  }, 120_000);
  afterAll(async () => {
    await Promise.all(d.agents.map((a) => a.stop()));
    if (mounted) {
      try {
        execFileSync('umount', [d.artifactsDir]);
      } catch {
        execFileSync('umount', ['-l', d.artifactsDir]);
      }
    }
    await d.teardown();
  }, 120_000);

  it('fails the execution with the write error, keeps the agent and its other executions, and takes new work once space is back', async () => {
    const agent = d.agents[0]!;
    // Another execution, running on the same agent while the volume fills up.
    const sleeper = await d.dispatch('tests.sleep');
    await eventually(async () => (existsSync(path.join(d.markerDir, `pids.${sleeper}`)) ? true : undefined), 60_000, 'sleep action started');
    await eventually(async () => (statSync(path.join(d.artifactsDir, `execution_${sleeper}`, 'stdout.log'), { throwIfNoEntry: false })?.size ? true : undefined), 10_000, 'sleep output stored');

    const id = await d.dispatch('tests.big_output', { bytes: 1024 * 1024 });
    const row = await d.waitForCompletion(id, 90_000);
    const stdoutLog = path.join(d.artifactsDir, `execution_${id}`, 'stdout.log');
    expect(row.status).toBe('failed');
    expect(row.result).toMatchObject({
      succeeded: false,
      error: `Could not write the action's output to ${stdoutLog}: ENOSPC (no space left on device)`,
      exit_code: -1, // stopped (SIGTERM to its group), not exited on its own
    });
    // What did reach the volume is reported intact: the bridge's size and checksum check held.
    expect(row.result!.logs_incomplete).toBeUndefined();
    expect((row.result!.stdout as string).length).toBe(statSync(stdoutLog).size);
    expect(statSync(stdoutLog).size).toBeGreaterThan(0);

    // The agent is alive and still running the other execution.
    expect(agent.child.exitCode).toBeNull();
    expect(agent.child.signalCode).toBeNull();
    expect(isAlive(agent.pid)).toBe(true);
    expect((await d.row(sleeper)).status).toBe('running');
    const [sleepPid] = readFileSync(path.join(d.markerDir, `pids.${sleeper}`), 'utf8').trim().split(/\s+/).map(Number);
    expect(isAlive(sleepPid!)).toBe(true);
    await d.cancel(sleeper);
    expect((await d.waitForCompletion(sleeper)).status).toBe('cancelled');

    // Space is back: the next execution runs normally on the same agent.
    rmSync(path.join(d.artifactsDir, `execution_${id}`), { recursive: true, force: true });
    const next = await d.dispatch('tests.ok_json', { after: 'full' });
    const done = await d.waitForCompletion(next, 90_000);
    expect(done.status).toBe('completed');
    expect(done.result).toMatchObject({ succeeded: true, data: { ok: true, params: { after: 'full' } } });
    expect(isAlive(agent.pid)).toBe(true);
    expect(d.agents).toHaveLength(1);
  }, 240_000);
});
