import { randomUUID } from 'node:crypto';
import { sleep } from '@temporalio/activity';
import { agentTaskQueue } from '../../src/temporal/names';
import { MAX_CLAIMS } from '../../workflows/execution';
import { FAST, WorkflowHarness, heartbeatUntil, outcome, type StubName } from './harness';

/**
 * The branches behind a wait: no agent claims, the claimed agent vanishes before or during the run, the
 * run outlives its timeout, the kill cannot be delivered. The waits are injected in seconds through
 * `ExecutionWorkflowInput.testTimings`; the agents that "vanish" are queues no worker serves.
 */
const h = new WorkflowHarness();
beforeAll(() => h.setup(), 120_000);
afterAll(() => h.teardown(), 60_000);

const until = async (probe: () => boolean, what: string, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

it('fails with the injected claim wait in the message when no agent of the pool claims', async () => {
  const pool = `nobody-${randomUUID().slice(0, 8)}`;
  const { executionId } = await h.start({}, { pool, testTimings: { ...FAST, claimWait: '2s' } });
  await expect(h.result(executionId)).resolves.toEqual({ v: 1, status: 'failed', applied: true });
  expect(h.steps(executionId)).toEqual(['prepareExecution', 'completeExecution']);
  expect(h.completeInput(executionId)).toEqual({
    v: 1,
    executionId,
    outcome: null,
    failure: { status: 'failed', error: `No live agent in pool "${pool}" claimed the execution within 2s` },
    outputFormat: 'json',
  });
  expect(await h.state(executionId)).toMatchObject({ phase: 'done', claims: 1, agentId: null, finalStatus: 'failed' });
});

describe('an agent that claimed and vanished before the run is replaced by a new claim', () => {
  const cases: { step: StubName; spec: object; steps: StubName[] }[] = [
    { step: 'ensureEnvironment', spec: { executionConfig: { environment: { env_type: 'python' } } }, steps: ['ensureEnvironment', 'runAction'] },
    { step: 'verifyRuntimeVersion', spec: { runtimeVersionConstraint: '>=3' }, steps: ['verifyRuntimeVersion', 'runAction'] },
    { step: 'runAction', spec: {}, steps: ['runAction'] },
  ];
  it.each(cases)('gone before $step (scheduleToStart on its queue) ⇒ claim again, begin only once', async ({ spec, steps }) => {
    const gone = h.goneAgent();
    const { executionId } = await h.start({ spec, claim: async (_input, ctx) => (ctx.call === 1 ? gone : h.liveAgent()) }, { testTimings: { ...FAST, agentScheduleToStart: '1s' } });
    await expect(h.result(executionId)).resolves.toEqual({ v: 1, status: 'completed', applied: true });
    // The gone agent's step never reached a stub; the second claim's agent ran everything.
    expect(h.steps(executionId)).toEqual(['prepareExecution', 'claimAgent', 'beginExecution', 'claimAgent', ...steps, 'finalizeArtifacts', 'completeExecution']);
    expect(h.callsOf(executionId).filter((c) => c.taskQueue === gone.taskQueue)).toEqual([]);
    expect(h.callsOf(executionId, 'runAction')[0]!.taskQueue).toBe(agentTaskQueue(h.agentId));
    expect(h.warnings(executionId)).toContain('claimed agent never started the run; claiming another');
    expect(await h.state(executionId)).toMatchObject({ claims: 2, agentId: h.agentId, finalStatus: 'completed' });
  });
});

it(`fails after ${MAX_CLAIMS} claims whose agents all vanished before the run`, async () => {
  const { executionId } = await h.start({ claim: async () => h.goneAgent() }, { testTimings: { ...FAST, agentScheduleToStart: '1s' } });
  await expect(h.result(executionId)).resolves.toEqual({ v: 1, status: 'failed', applied: true });
  expect(h.callsOf(executionId, 'claimAgent')).toHaveLength(MAX_CLAIMS);
  expect(h.callsOf(executionId, 'beginExecution')).toHaveLength(1);
  expect(h.callsOf(executionId, 'runAction')).toEqual([]);
  expect(h.completeInput(executionId).failure).toEqual({ status: 'failed', error: `Agents of pool "${h.pool}" claimed the execution ${MAX_CLAIMS} times but none started it` });
  expect(await h.state(executionId)).toMatchObject({ claims: MAX_CLAIMS, phase: 'done' });
});

it('an agent lost during the run (no heartbeat for the injected timeout) fails the execution, naming the agent', async () => {
  const { executionId } = await h.start(
    {
      // Starts and then goes silent, as an agent whose container was killed.
      run: async () => {
        await sleep('6s');
        return outcome(h.agentId);
      },
    },
    { testTimings: { ...FAST, runHeartbeatTimeout: '1s' } },
  );
  await expect(h.result(executionId)).resolves.toEqual({ v: 1, status: 'failed', applied: true });
  expect(h.callsOf(executionId, 'runAction')[0]!.heartbeatTimeoutMs).toBe(1000);
  expect(h.steps(executionId)).toEqual(['prepareExecution', 'claimAgent', 'beginExecution', 'runAction', 'completeExecution']);
  expect(h.completeInput(executionId).failure).toEqual({ status: 'failed', error: `Agent ${h.agentId} was lost while running the action (no heartbeat for 1s)` });
});

it('a run that outlives its start-to-close timeout (action timeout + grace) fails: did not finish in time', async () => {
  const { executionId } = await h.start(
    { spec: { timeoutSeconds: 1 }, run: async () => (await heartbeatUntil(sleep('6s')), outcome(h.agentId)) },
    { testTimings: { ...FAST, runGraceSeconds: 1 } },
  );
  await expect(h.result(executionId)).resolves.toEqual({ v: 1, status: 'failed', applied: true });
  expect(h.callsOf(executionId, 'runAction')[0]!.startToCloseTimeoutMs).toBe(2000);
  expect(h.completeInput(executionId).failure).toEqual({ status: 'failed', error: `Agent ${h.agentId} did not finish the action in time` });
});

it('a kill that cannot be delivered (control queue unserved for the injected kill wait) is logged; the run still reports', async () => {
  const unreachable = h.goneAgent('no-control');
  const { executionId } = await h.start(
    {
      claim: async () => ({ ...h.liveAgent(), controlTaskQueue: unreachable.controlTaskQueue }),
      run: async (_spec, ctx) => {
        await ctx.cancel();
        await heartbeatUntil(until(() => h.warnings(ctx.executionId).includes('kill request not delivered'), 'the kill warning'));
        return outcome(h.agentId, { exitCode: 0 });
      },
    },
    { testTimings: { ...FAST, killWait: '1s' } },
  );
  await expect(h.result(executionId)).resolves.toEqual({ v: 1, status: 'completed', applied: true });
  expect(h.callsOf(executionId, 'killAction')).toEqual([]);
  expect(h.completeInput(executionId)).toMatchObject({ outcome: { kind: 'exited', exitCode: 0 }, failure: null });
});
