import type { CompleteInput } from '../../src/temporal/contracts';
import { agentControlTaskQueue } from '../../src/temporal/names';
import { FAST, WorkflowHarness, heartbeatUntil, outcome, runSpec, type Scenario, type StubName } from './harness';
import { PATCHES } from '../../workflows/patches';

/**
 * A cancel in each phase, as Attune's cancel signal and as a workflow cancellation from the client
 * (Temporal UI / CLI), which mean the same. Each stub that stands for "the phase" cancels its own execution
 * and waits until the workflow saw the cancel before it answers, so the phase is exact, not a race.
 */
const h = new WorkflowHarness();
beforeAll(() => h.setup(), 120_000);
afterAll(() => h.teardown(), 60_000);

const WITH_ENV = { executionConfig: { environment: { env_type: 'python' } } };
const WITH_CONSTRAINT = { runtimeVersionConstraint: '>=3.8' };
const cancelledBeforeStart = (executionId: number, outputFormat: CompleteInput['outputFormat']): CompleteInput => ({
  v: 1,
  executionId,
  outcome: null,
  failure: { status: 'cancelled', error: 'Cancelled before execution started' },
  outputFormat,
});

interface PhaseCase {
  phase: string;
  scenario: Scenario;
  /** The stubs that ran, in order. */
  steps: StubName[];
}

const PHASES: PhaseCase[] = [
  {
    phase: 'while preparing',
    scenario: { prepare: async (input, ctx) => (await ctx.cancel(), { v: 1, kind: 'ready', spec: runSpec(input.executionId), outputFormat: 'json' }) },
    steps: ['prepareExecution', 'completeExecution'],
  },
  {
    phase: 'while claiming',
    scenario: { claim: async (_input, ctx) => (await ctx.cancel(), h.liveAgent()) },
    steps: ['prepareExecution', 'claimAgent', 'completeExecution'],
  },
  {
    phase: 'after the claim, while marking the row running',
    scenario: { begin: async (_input, ctx) => (await ctx.cancel(), { v: 1, kind: 'running' }) },
    steps: ['prepareExecution', 'claimAgent', 'beginExecution', 'completeExecution'],
  },
  {
    phase: 'while preparing the environment',
    scenario: { spec: WITH_ENV, environment: async (_spec, ctx) => (await ctx.cancel(), { v: 1, status: 'reused', key: 'k', envDir: '/env', error: null, durationMs: 1 }) },
    steps: ['prepareExecution', 'claimAgent', 'beginExecution', 'ensureEnvironment', 'completeExecution'],
  },
  {
    phase: 'while checking the runtime version',
    scenario: {
      spec: WITH_CONSTRAINT,
      verify: async (_spec, ctx) => (await ctx.cancel(), { v: 1, ok: true, interpreter: '/usr/bin/python3', version: '3.11.2', constraint: '>=3.8', error: null }),
    },
    steps: ['prepareExecution', 'claimAgent', 'beginExecution', 'verifyRuntimeVersion', 'completeExecution'],
  },
];

describe.each(['signal', 'workflow'] as const)('cancel by %s', (by) => {
  it('before the dispatch: reported cancelled (as text) without preparing', async () => {
    const { executionId } = await h.start({}, { dispatch: false });
    await h.until(executionId, (s) => s.phase === 'waiting_dispatch');
    await h.cancel(executionId, by);
    await expect(h.result(executionId)).resolves.toEqual({ v: 1, status: 'cancelled', applied: true });
    expect(h.steps(executionId)).toEqual(['completeExecution']);
    expect(h.completeInput(executionId)).toEqual(cancelledBeforeStart(executionId, 'text'));
    expect(await h.state(executionId)).toMatchObject({ phase: 'done', dispatches: 0, cancelRequested: true, finalStatus: 'cancelled' });
    // Reporting runs in a non-cancellable scope, so even a cancelled workflow completes with its report.
    expect((await h.handle(executionId).describe()).status.name).toBe('COMPLETED');
  });

  it.each(PHASES)('$phase: reported cancelled before start, nothing run or killed', async ({ scenario, steps }) => {
    const { executionId } = await h.start({ ...scenario, cancelBy: by });
    await expect(h.result(executionId)).resolves.toEqual({ v: 1, status: 'cancelled', applied: true });
    expect(h.steps(executionId)).toEqual(steps);
    expect(h.completeInput(executionId)).toEqual(cancelledBeforeStart(executionId, 'json'));
    expect(await h.state(executionId)).toMatchObject({ phase: 'done', cancelRequested: true, finalStatus: 'cancelled' });
  });

  it('while running: killAction goes to the agent\'s control queue and the cancelled outcome is reported', async () => {
    const { executionId } = await h.start({
      cancelBy: by,
      run: async (_spec, ctx) => {
        await ctx.cancel();
        await heartbeatUntil(ctx.killed);
        return outcome(h.agentId, { kind: 'cancelled', exitCode: -1 });
      },
    });
    await expect(h.result(executionId)).resolves.toEqual({ v: 1, status: 'cancelled', applied: true });
    expect(h.steps(executionId)).toEqual(['prepareExecution', 'claimAgent', 'beginExecution', 'runAction', 'killAction', 'finalizeArtifacts', 'completeExecution']);
    const [kill] = h.callsOf(executionId, 'killAction');
    expect(kill!.input).toEqual({ v: 1, executionId, reason: 'cancel' });
    expect(kill!.taskQueue).toBe(agentControlTaskQueue(h.agentId));
    expect(kill!.scheduleToCloseTimeoutMs).toBe(3000); // FAST.killWait
    expect(h.completeInput(executionId)).toEqual({ v: 1, executionId, outcome: outcome(h.agentId, { kind: 'cancelled', exitCode: -1 }), failure: null, outputFormat: 'json' });
  });
});

it('a run that ends without a cancel never sends a kill', async () => {
  const { executionId } = await h.start({});
  await expect(h.result(executionId)).resolves.toMatchObject({ status: 'completed' });
  expect(h.callsOf(executionId, 'killAction')).toEqual([]);
});

describe.each(['signal', 'workflow'] as const)('cancel by %s during the claim wait', (by) => {
  it('with no agent polling the pool: the claim is given up at once, not after the claim wait', async () => {
    const { executionId } = await h.start({}, { pool: `nobody-${by}-${Date.now()}`, testTimings: { ...FAST, claimWait: '10m' } });
    await h.until(executionId, (s) => s.phase === 'claiming');
    const cancelledAt = Date.now();
    await h.cancel(executionId, by);
    await expect(h.result(executionId)).resolves.toEqual({ v: 1, status: 'cancelled', applied: true });
    expect(Date.now() - cancelledAt).toBeLessThan(30_000); // far below the 10 min claim wait
    expect(h.steps(executionId)).toEqual(['prepareExecution', 'completeExecution']);
    expect(h.completeInput(executionId)).toEqual(cancelledBeforeStart(executionId, 'json'));
    expect(await h.patchMarkers(executionId)).toContain(PATCHES.cancellableClaim);
  });
});
