import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CuttableProxy } from '../helpers/cuttable-proxy';
import { eventually, freePort, TestDeployment } from '../helpers/deployment';
import { SERVICES } from '../helpers/services';

/**
 * An agent cut off from Temporal (its only link to everything) while an action runs: a blip shorter than the
 * heartbeat margin goes unnoticed; a cut longer than the run heartbeat timeout is survived by re-attaching
 * to the still-running process by execution id (never re-spawning it), and the agent's session, whose
 * presence timed out, is replaced by a new generation so the agent is seen again.
 */
describe('presence and runs across Temporal blips', () => {
  const d = new TestDeployment();
  let proxy: CuttableProxy;
  beforeAll(async () => {
    await d.setup({ agent: false });
    proxy = new CuttableProxy(await freePort(), SERVICES.temporalAddress);
    await proxy.up();
    d.startAgent({ TEMPORAL_ADDRESS: `127.0.0.1:${proxy.port}` });
    d.workerId = await d.waitForWorker();
  }, 120_000);
  afterAll(async () => {
    await proxy.up();
    await d.teardown();
    await proxy.cut();
  }, 120_000);

  const agentLog = () => readFileSync(path.join(d.dir, 'agent-0.log'), 'utf8');
  const runsOf = (id: number) => d.runsRecorded().filter((r) => r === String(id)).length;
  // Raw visibility: the test's client has no codec for the sessions' encrypted memos.
  const runningSessions = async () => {
    const query = `WorkflowType = 'agentSessionWorkflow' AND ExecutionStatus = 'Running' AND TaskQueue = 'attune-bridge-${d.id}'`;
    const { executions } = await d.temporal.workflowService.listWorkflowExecutions({ namespace: SERVICES.namespace, query });
    return (executions ?? []).map((e) => e.execution?.workflowId ?? '');
  };

  it('a blip of a few seconds: the run goes on and completes once', async () => {
    const id = await d.dispatch('tests.nap');
    await d.waitForStatus(id, 'running');
    await proxy.cut();
    await new Promise((r) => setTimeout(r, 5_000));
    await proxy.up();
    const row = await d.waitForCompletion(id, 90_000);
    expect(row.status).toBe('completed');
    expect(row.result).toMatchObject({ data: { napped: 40 } });
    expect(runsOf(id)).toBe(1);
  }, 120_000);

  it('a cut longer than the heartbeat timeout: re-attached to the live run, completed once; the session re-announced', async () => {
    const id = await d.dispatch('tests.nap');
    await d.waitForStatus(id, 'running');
    await proxy.cut();
    // Past the 20 s run and presence heartbeat timeouts, well within the 30 s re-attach wait that follows.
    await new Promise((r) => setTimeout(r, 25_000));
    await proxy.up();
    const row = await d.waitForCompletion(id, 120_000);
    expect(row.status).toBe('completed');
    expect(row.result).toMatchObject({ data: { napped: 40 } });
    expect(runsOf(id)).toBe(1);
    const history = await d.history(id);
    const runs = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runAction');
    const timedOut = (history.events ?? []).filter((e) => e.activityTaskTimedOutEventAttributes !== undefined && e.activityTaskTimedOutEventAttributes !== null);
    if (timedOut.length > 0) {
      // The server timed out the run's heartbeat during the cut: the workflow re-attached to the live run.
      expect(runs.length).toBe(2); // the first attempt and the re-attach
      await d.recordHistory(id, 'v5-reattached');
    } else {
      // On a loaded machine the server's heartbeat-timeout timer can run late, after the heartbeats resumed: then the
      // run was never timed out, and one attempt is right. (The re-attach itself: test/workflows, and v5-reattached.)
      expect(runs.length).toBe(1);
      process.stderr.write(`presence-blips: the 25 s cut ended before the server timed out the heartbeat; no re-attach was needed\n`);
    }

    await eventually(async () => ((await runningSessions()).some((w) => w.endsWith('~2')) ? true : undefined), 60_000, 'a second-generation session');
    expect(agentLog()).toMatch(/announced again/);
    await d.waitForWorker();
    const next = await d.dispatch('tests.ok_json', { after: 'cut' });
    expect((await d.waitForCompletion(next)).status).toBe('completed');
  }, 240_000);
});
