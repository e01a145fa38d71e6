import { ApplicationFailure } from '@temporalio/common';
import { agentTaskQueue, poolTaskQueue } from '../../src/temporal/names';
import { PATCHES } from '../../workflows/patches';
import { WorkflowHarness, dispatchFor, outcome, runSpec } from './harness';

/**
 * The execution workflow's paths that need no timeout: what a new execution does (the patched path),
 * the fences of prepare and begin, and each agent step failing. Stub activities, real server.
 *
 * The unpatched paths (before `agent-steps-v2`: only runAction; before `skip-noop-agent-steps-v3`: every step
 * even when it has nothing to do) cannot be forced here: `patched()` is true for every new execution and false
 * only while replaying a history recorded without the marker. test/replay replays the recorded v1 and v2
 * histories (completed, failed, timeout, cancelled running and before dispatch) through exactly those paths.
 */
const h = new WorkflowHarness();
beforeAll(() => h.setup(), 120_000);
afterAll(() => h.teardown(), 60_000);

const ALL_STEPS = ['prepareExecution', 'claimAgent', 'beginExecution', 'ensureEnvironment', 'verifyRuntimeVersion', 'runAction', 'finalizeArtifacts', 'completeExecution'];
const without = (...names: string[]) => ALL_STEPS.filter((n) => !names.includes(n));
const WITH_STEPS = { executionConfig: { environment: { env_type: 'python', dir_name: '.venv' } }, runtimeVersionConstraint: '>=3.8' };

describe('a new execution', () => {
  it('takes the patched path with production waits: no-op steps skipped, run, artifacts, report', async () => {
    const { executionId } = await h.start({}, { testTimings: null });
    await expect(h.result(executionId)).resolves.toEqual({ v: 1, status: 'completed', applied: true });

    expect(h.steps(executionId)).toEqual(without('ensureEnvironment', 'verifyRuntimeVersion'));
    expect(await h.patchMarkers(executionId)).toEqual([PATCHES.cancellableClaim, PATCHES.agentSteps, PATCHES.skipNoopSteps]);
    const [prepare, claim, begin, run, finalize] = ['prepareExecution', 'claimAgent', 'beginExecution', 'runAction', 'finalizeArtifacts'].map((n) => h.callsOf(executionId, n as never)[0]!);
    expect(prepare!.input).toEqual({ v: 1, executionId, workerId: 7, dispatch: dispatchFor(executionId) });
    expect(claim!.input).toEqual({ v: 1, executionId });
    expect(begin!.input).toEqual({ v: 1, executionId, workerId: 7 });
    expect(run!.input).toEqual(runSpec(executionId));
    expect(finalize!.input).toEqual({ v: 1, executionId });
    expect(h.completeInput(executionId)).toEqual({ v: 1, executionId, outcome: outcome(h.agentId), failure: null, outputFormat: 'json' });

    // Each activity on the queue it belongs to.
    expect([prepare, begin].map((c) => c!.taskQueue)).toEqual([h.taskQueue, h.taskQueue]);
    expect(h.callsOf(executionId, 'completeExecution')[0]!.taskQueue).toBe(h.taskQueue);
    expect(claim!.taskQueue).toBe(poolTaskQueue(h.pool));
    expect([run, finalize].map((c) => c!.taskQueue)).toEqual([agentTaskQueue(h.agentId), agentTaskQueue(h.agentId)]);

    // No testTimings: today's waits exactly (claim 10m, run heartbeat 20s, run = timeout + 70 s).
    expect(claim!.scheduleToCloseTimeoutMs).toBe(600_000);
    expect(claim!.startToCloseTimeoutMs).toBe(10_000);
    expect(run!.heartbeatTimeoutMs).toBe(20_000);
    expect(run!.startToCloseTimeoutMs).toBe((60 + 70) * 1000);
    expect(finalize!.startToCloseTimeoutMs).toBe(300_000);

    expect(await h.state(executionId)).toEqual({ phase: 'done', dispatches: 1, cancelRequested: false, agentId: h.agentId, claims: 1, finalStatus: 'completed', progress: { from: 'outcome', pid: null, stdoutBytes: 0, stderrBytes: 0, lastLine: null } });
  });

  it('runs the environment step and the version check when the action has an environment and a constraint', async () => {
    const { executionId } = await h.start({ spec: WITH_STEPS }, { testTimings: null });
    await expect(h.result(executionId)).resolves.toEqual({ v: 1, status: 'completed', applied: true });
    expect(h.steps(executionId)).toEqual(ALL_STEPS);
    const spec = runSpec(executionId, WITH_STEPS);
    const [env] = h.callsOf(executionId, 'ensureEnvironment');
    const [verify] = h.callsOf(executionId, 'verifyRuntimeVersion');
    expect(env!.input).toEqual(spec);
    expect(verify!.input).toEqual(spec);
    expect([env!.taskQueue, verify!.taskQueue]).toEqual([agentTaskQueue(h.agentId), agentTaskQueue(h.agentId)]);
    expect(env!.heartbeatTimeoutMs).toBe(60_000);
    expect(env!.startToCloseTimeoutMs).toBe(35 * 60_000);
    expect(verify!.startToCloseTimeoutMs).toBe(5 * 60_000);
  });

  it('skips the environment for env_type "none" and the version check for a blank constraint', async () => {
    const { executionId } = await h.start({ spec: { executionConfig: { environment: { env_type: 'none' } }, runtimeVersionConstraint: '   ' } });
    await expect(h.result(executionId)).resolves.toEqual({ v: 1, status: 'completed', applied: true });
    expect(h.steps(executionId)).toEqual(without('ensureEnvironment', 'verifyRuntimeVersion'));
  });

  it('uses the injected waits when testTimings is set', async () => {
    const { executionId } = await h.start({ spec: WITH_STEPS }, { testTimings: { claimWait: '7s', runHeartbeatTimeout: '4s', environmentHeartbeatTimeout: '6s', runGraceSeconds: 5 } });
    await expect(h.result(executionId)).resolves.toMatchObject({ status: 'completed' });
    expect(h.callsOf(executionId, 'claimAgent')[0]!.scheduleToCloseTimeoutMs).toBe(7000);
    expect(h.callsOf(executionId, 'runAction')[0]!.heartbeatTimeoutMs).toBe(4000);
    expect(h.callsOf(executionId, 'runAction')[0]!.startToCloseTimeoutMs).toBe((60 + 5) * 1000);
    expect(h.callsOf(executionId, 'ensureEnvironment')[0]!.heartbeatTimeoutMs).toBe(6000);
  });

  it('counts a duplicate dispatch and prepares only the first', async () => {
    const { executionId } = await h.start({
      prepare: async (input, ctx) => {
        await ctx.dispatchAgain(dispatchFor(ctx.executionId, 'redelivered'));
        return { v: 1, kind: 'ready', spec: runSpec(input.executionId), outputFormat: 'json' };
      },
    });
    await expect(h.result(executionId)).resolves.toMatchObject({ status: 'completed' });
    expect(h.callsOf(executionId, 'prepareExecution').map((c) => (c.input.dispatch as { messageId: string }).messageId)).toEqual([`dispatch-${executionId}`]);
    expect((await h.state(executionId)).dispatches).toBe(2);
  });

  it('reports a non-zero exit as the outcome (the bridge decides the status), after finalizing artifacts', async () => {
    const { executionId } = await h.start({ run: async () => outcome(h.agentId, { exitCode: 3 }) });
    await expect(h.result(executionId)).resolves.toEqual({ v: 1, status: 'failed', applied: true });
    expect(h.steps(executionId)).toEqual(without('ensureEnvironment', 'verifyRuntimeVersion'));
    expect(h.completeInput(executionId)).toMatchObject({ outcome: { kind: 'exited', exitCode: 3 }, failure: null });
  });
});

describe('fences', () => {
  it('prepare "skip": the row is not ours, nothing is claimed or reported', async () => {
    const { executionId } = await h.start({ prepare: async () => ({ v: 1, kind: 'skip', status: 'completed', reason: 'row is already completed' }) });
    await expect(h.result(executionId)).resolves.toEqual({ v: 1, status: 'completed', applied: false });
    expect(h.steps(executionId)).toEqual(['prepareExecution']);
    expect(await h.state(executionId)).toMatchObject({ phase: 'done', finalStatus: 'completed', claims: 0 });
    expect(h.logs.get(executionId)?.map((l) => l.message)).toContain('execution fenced: not ours to run');
  });

  it('prepare "invalid": reported failed with its error, as text, without claiming', async () => {
    const { executionId } = await h.start({ prepare: async () => ({ v: 1, kind: 'invalid', error: 'Action tests.gone not found' }) });
    await expect(h.result(executionId)).resolves.toEqual({ v: 1, status: 'failed', applied: true });
    expect(h.steps(executionId)).toEqual(['prepareExecution', 'completeExecution']);
    expect(h.completeInput(executionId)).toEqual({ v: 1, executionId, outcome: null, failure: { status: 'failed', error: 'Action tests.gone not found' }, outputFormat: 'text' });
  });

  it('begin "skip": the row moved on meanwhile, nothing runs or is reported', async () => {
    const { executionId } = await h.start({ begin: async () => ({ v: 1, kind: 'skip', status: 'failed' }) });
    await expect(h.result(executionId)).resolves.toEqual({ v: 1, status: 'failed', applied: false });
    expect(h.steps(executionId)).toEqual(['prepareExecution', 'claimAgent', 'beginExecution']);
    expect(await h.state(executionId)).toMatchObject({ phase: 'done', finalStatus: 'failed' });
  });

  it('begin "canceling": Attune cancelled the row before it ran: reported cancelled', async () => {
    const { executionId } = await h.start({ begin: async () => ({ v: 1, kind: 'canceling' }) });
    await expect(h.result(executionId)).resolves.toEqual({ v: 1, status: 'cancelled', applied: true });
    expect(h.steps(executionId)).toEqual(['prepareExecution', 'claimAgent', 'beginExecution', 'completeExecution']);
    expect(h.completeInput(executionId)).toEqual({ v: 1, executionId, outcome: null, failure: { status: 'cancelled', error: 'Cancelled before execution started' }, outputFormat: 'json' });
  });
});

describe('agent steps failing', () => {
  it('runAction failing is reported failed with its message, without finalizing artifacts', async () => {
    const { executionId } = await h.start({
      run: async () => {
        throw new Error('could not write the parameters file');
      },
    });
    await expect(h.result(executionId)).resolves.toEqual({ v: 1, status: 'failed', applied: true });
    expect(h.steps(executionId)).toEqual(without('ensureEnvironment', 'verifyRuntimeVersion', 'finalizeArtifacts'));
    expect(h.callsOf(executionId, 'runAction')).toHaveLength(1); // never retried
    expect(h.completeInput(executionId).failure).toEqual({ status: 'failed', error: 'Action execution failed: Internal error: could not write the parameters file' });
  });

  it('a version mismatch fails the execution with the check\'s error, before running', async () => {
    const error = 'Runtime python 3.7.3 does not satisfy >=3.8';
    const { executionId } = await h.start({ spec: { runtimeVersionConstraint: '>=3.8' }, verify: async () => ({ v: 1, ok: false, interpreter: '/usr/bin/python3', version: '3.7.3', constraint: '>=3.8', error }) });
    await expect(h.result(executionId)).resolves.toEqual({ v: 1, status: 'failed', applied: true });
    expect(h.steps(executionId)).toEqual(['prepareExecution', 'claimAgent', 'beginExecution', 'verifyRuntimeVersion', 'completeExecution']);
    expect(h.completeInput(executionId)).toEqual({ v: 1, executionId, outcome: null, failure: { status: 'failed', error }, outputFormat: 'json' });
  });

  it('a failed version check without an error text gets the generic one', async () => {
    const { executionId } = await h.start({ spec: { runtimeVersionConstraint: '>=3.8' }, verify: async () => ({ v: 1, ok: false, interpreter: null, version: null, constraint: '>=3.8', error: null }) });
    await expect(h.result(executionId)).resolves.toMatchObject({ status: 'failed' });
    expect(h.completeInput(executionId).failure).toEqual({ status: 'failed', error: 'Runtime version check failed' });
  });

  it('the version check is retried, and a check that keeps failing means the agent could not check: failed', async () => {
    const flaky = await h.start({
      spec: { runtimeVersionConstraint: '>=3.8' },
      verify: async (spec, ctx) => {
        if (ctx.call === 1) throw new Error('probe interrupted');
        return { v: 1, ok: true, interpreter: '/usr/bin/python3', version: '3.11.2', constraint: spec.runtimeVersionConstraint ?? null, error: null };
      },
    });
    const broken = await h.start({
      spec: { runtimeVersionConstraint: '>=3.8' },
      verify: async () => {
        throw ApplicationFailure.nonRetryable('interpreter probe crashed', 'ProbeError');
      },
    });
    await expect(h.result(flaky.executionId)).resolves.toMatchObject({ status: 'completed' });
    expect(h.callsOf(flaky.executionId, 'verifyRuntimeVersion').map((c) => c.attempt)).toEqual([1, 2]);

    await expect(h.result(broken.executionId)).resolves.toEqual({ v: 1, status: 'failed', applied: true });
    expect(h.steps(broken.executionId)).toEqual(['prepareExecution', 'claimAgent', 'beginExecution', 'verifyRuntimeVersion', 'completeExecution']);
    expect(h.completeInput(broken.executionId).failure).toEqual({
      status: 'failed',
      error: `Agent ${h.agentId} could not check the runtime version: ActivityFailure: Activity task failed`,
    });
  });

  it('an environment that could not be built is recorded and the action still runs', async () => {
    const { executionId } = await h.start({
      spec: { executionConfig: { environment: { env_type: 'python' } } },
      environment: async () => ({ v: 1, status: 'failed', key: 'k', envDir: null, error: 'pip exited 1 (stderr 812 bytes)', durationMs: 9 }),
    });
    await expect(h.result(executionId)).resolves.toEqual({ v: 1, status: 'completed', applied: true });
    expect(h.steps(executionId)).toEqual(without('verifyRuntimeVersion'));
    expect(h.warnings(executionId)).toContain('environment setup failed; running with the system interpreter');
  });

  it('an environment step that throws (twice: it is retried once) is logged and the action still runs', async () => {
    const { executionId } = await h.start({
      spec: { executionConfig: { environment: { env_type: 'python' } } },
      environment: async () => {
        throw new Error('disk full');
      },
    });
    await expect(h.result(executionId)).resolves.toEqual({ v: 1, status: 'completed', applied: true });
    expect(h.callsOf(executionId, 'ensureEnvironment').map((c) => c.attempt)).toEqual([1, 2]);
    expect(h.steps(executionId)).toEqual(without('verifyRuntimeVersion'));
    expect(h.warnings(executionId)).toContain('environment step failed; running with the system interpreter');
  });

  it('artifact finalization failing does not change the outcome', async () => {
    const { executionId } = await h.start({
      finalize: async () => {
        throw ApplicationFailure.nonRetryable('artifacts volume not mounted');
      },
    });
    await expect(h.result(executionId)).resolves.toEqual({ v: 1, status: 'completed', applied: true });
    expect(h.completeInput(executionId)).toMatchObject({ outcome: { kind: 'exited', exitCode: 0 }, failure: null });
    expect(h.warnings(executionId)).toContain('artifact finalization failed');
  });
});
