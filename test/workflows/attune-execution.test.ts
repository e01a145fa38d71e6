import { ApplicationFailure } from '@temporalio/common';
import { heartbeat, sleep } from '@temporalio/activity';
import type { Payload } from '@temporalio/common';
import { QUERIES, SEARCH_ATTRIBUTES, agentTaskQueue, poolTaskQueue } from '../../src/temporal/names';
import type { LogSummary } from '../../src/temporal/contracts';
import type { ExecutionStatusView } from '../../workflows/state';
import { WorkflowHarness, dispatchFor, heartbeatUntil, outcome, runSpec } from './harness';

/**
 * The current execution workflow (attuneExecutionWorkflow) with stub activities on the real server: the
 * round trips of a plain action, the prechecks a claim answers, the local control steps and their fallback,
 * the guard, cancels, and re-attaching a run whose heartbeats were lost.
 */
const h = new WorkflowHarness();
beforeAll(() => h.setup(), 120_000);
afterAll(() => h.teardown(), 60_000);

const V2 = { type: 'attuneExecution' } as const;
const WITH_STEPS = { executionConfig: { environment: { env_type: 'python', dir_name: '.venv' } }, runtimeVersionConstraint: '>=3.8' };

/** Workflow tasks and activity tasks in the history: the server round trips of one execution (local activities are none). */
async function roundTrips(executionId: number): Promise<{ workflowTasks: number; activityTasks: number; markers: number }> {
  const history = await h.handle(executionId).fetchHistory();
  const events = history.events ?? [];
  return {
    workflowTasks: events.filter((e) => e.workflowTaskCompletedEventAttributes).length,
    activityTasks: events.filter((e) => e.activityTaskScheduledEventAttributes).length,
    markers: events.filter((e) => e.markerRecordedEventAttributes).length,
  };
}

/** A payload of the workflow's (a summary, a query answer) as our data converter reads it: through the codec. */
async function decoded(payload: Payload | null | undefined): Promise<unknown> {
  if (!payload) return undefined;
  const { payloadCodecs, payloadConverter } = h.client.options.loadedDataConverter;
  let payloads = [payload];
  for (const codec of [...payloadCodecs].reverse()) payloads = await codec.decode(payloads);
  return payloadConverter.fromPayload(payloads[0]!);
}

/** The search attributes each upsert event of a history names, in order. */
const upserted = (events: { upsertWorkflowSearchAttributesEventAttributes?: { searchAttributes?: { indexedFields?: Record<string, unknown> | null } | null } | null }[]) =>
  events.flatMap((e) => (e.upsertWorkflowSearchAttributesEventAttributes ? [Object.keys(e.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields ?? {})] : []));

const status = (executionId: number) => h.handle(executionId).query<ExecutionStatusView>(QUERIES.status);

async function untilStatus(executionId: number, ok: (s: ExecutionStatusView) => boolean): Promise<ExecutionStatusView> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const s = await status(executionId);
    if (ok(s)) return s;
    if (Date.now() > deadline) throw new Error(`status never matched: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const stdoutOf = (text: string): LogSummary => ({ path: '/a/stdout.log', totalBytes: Buffer.byteLength(text), fileBytes: Buffer.byteLength(text), truncated: false, bytesTruncated: 0, sha256: 'x', tail: text });

describe('the current execution workflow', () => {
  it('runs a plain action in 5 round trips: prepare and begin local, claim with the spec, run, report local', async () => {
    const { executionId } = await h.start({}, { ...V2, testTimings: null });
    await expect(h.result(executionId)).resolves.toEqual({ v: 1, status: 'completed', applied: true });
    expect(h.steps(executionId)).toEqual(['prepareExecution', 'claimAgent', 'beginExecution', 'runAction', 'completeExecution']);
    const [prepare, claim, begin, run] = ['prepareExecution', 'claimAgent', 'beginExecution', 'runAction'].map((n) => h.callsOf(executionId, n as never)[0]!);
    expect(prepare!.input).toEqual({ v: 1, executionId, workerId: 7, dispatch: dispatchFor(executionId), originalRunId: expect.any(String) });
    expect(claim!.input).toEqual({ v: 1, executionId, spec: runSpec(executionId) });
    expect(claim!.taskQueue).toBe(poolTaskQueue(h.pool));
    expect(begin!.input).toEqual({ v: 1, executionId, workerId: 7, claimWaitMs: expect.any(Number), pool: h.pool, originalRunId: expect.any(String) });
    expect(run!.input).toEqual({ ...runSpec(executionId), reattachable: true });
    expect(run!.taskQueue).toBe(agentTaskQueue(h.agentId));
    expect(run!.heartbeatTimeoutMs).toBe(20_000);
    // 3 workflow tasks + 2 activity tasks; prepare, begin and complete are local-activity markers, no patch markers.
    expect(await roundTrips(executionId)).toEqual({ workflowTasks: 3, activityTasks: 2, markers: 3 });
    expect(await h.patchMarkers(executionId)).toEqual([]);
  });

  it('schedules the environment step only when the claim says it is needed, and takes the version answer from the claim', async () => {
    const version = { v: 1 as const, ok: true, interpreter: '/usr/bin/python3', version: '3.11.2', constraint: '>=3.8', error: null };
    const ready = await h.start({ spec: WITH_STEPS, claim: async () => ({ ...h.liveAgent(), precheck: { environment: 'ready', version } }) }, V2);
    await expect(h.result(ready.executionId)).resolves.toMatchObject({ status: 'completed' });
    expect(h.steps(ready.executionId)).toEqual(['prepareExecution', 'claimAgent', 'beginExecution', 'runAction', 'completeExecution']);

    const needed = await h.start({ spec: WITH_STEPS, claim: async () => ({ ...h.liveAgent(), precheck: { environment: 'needed', version: null } }) }, V2);
    await expect(h.result(needed.executionId)).resolves.toMatchObject({ status: 'completed' });
    expect(h.steps(needed.executionId)).toEqual(['prepareExecution', 'claimAgent', 'beginExecution', 'ensureEnvironment', 'verifyRuntimeVersion', 'runAction', 'completeExecution']);
  });

  it('fails before running when the claim reports a version mismatch', async () => {
    const version = { v: 1 as const, ok: false, interpreter: '/usr/bin/python3', version: '3.7.0', constraint: '>=3.8', error: 'Runtime version mismatch: python 3.7.0' };
    const { executionId } = await h.start({ spec: WITH_STEPS, claim: async () => ({ ...h.liveAgent(), precheck: { environment: 'none', version } }) }, V2);
    await expect(h.result(executionId)).resolves.toMatchObject({ status: 'failed' });
    expect(h.callsOf(executionId, 'runAction')).toHaveLength(0);
    expect(h.completeInput(executionId).failure).toEqual({ status: 'failed', error: 'Runtime version mismatch: python 3.7.0' });
  });

  it('continues a local control step as a regular activity once its local attempts are spent', async () => {
    const { executionId } = await h.start(
      {
        begin: async (_input, ctx) => {
          if (ctx.call <= 3) throw new Error('PostgreSQL unreachable');
          return { v: 1, kind: 'running' };
        },
      },
      V2,
    );
    await expect(h.result(executionId)).resolves.toMatchObject({ status: 'completed' });
    const begins = h.callsOf(executionId, 'beginExecution');
    expect(begins.map((c) => c.attempt)).toEqual([1, 2, 3, 1]);
    expect(h.warnings(executionId)).toContain('control step failed locally; continuing as a regular activity');
    expect((await roundTrips(executionId)).activityTasks).toBe(3); // claim, the fallback begin, run
  });

  it('reports the execution failed when a step fails for good (the workflow-level guard)', async () => {
    const { executionId } = await h.start({ prepare: async () => { throw ApplicationFailure.nonRetryable('snapshot unreadable', 'InvalidExecution'); } }, V2);
    await expect(h.result(executionId)).resolves.toMatchObject({ status: 'failed' });
    expect(h.completeInput(executionId).failure).toEqual({ status: 'failed', error: 'Execution failed in phase preparing: prepareExecution: snapshot unreadable' });
  });

  it('marks the row running before failing it when prepare found the failure while preparing the context (as Attune)', async () => {
    const context = await h.start({ prepare: async () => ({ v: 1, kind: 'invalid', error: 'Failed to prepare execution context: x', markRunningFirst: true }) }, V2);
    await expect(h.result(context.executionId)).resolves.toMatchObject({ status: 'failed' });
    expect(h.steps(context.executionId)).toEqual(['prepareExecution', 'beginExecution', 'completeExecution']);
    const pinned = await h.start({ prepare: async () => ({ v: 1, kind: 'invalid', error: 'release identity in MQ does not match' }) }, V2);
    await expect(h.result(pinned.executionId)).resolves.toMatchObject({ status: 'failed' });
    expect(h.steps(pinned.executionId)).toEqual(['prepareExecution', 'completeExecution']);
  });

  it('reports cancelled when started by a cancel that beat the dispatch', async () => {
    const { executionId } = await h.start({}, { ...V2, dispatch: false });
    await h.cancel(executionId);
    await expect(h.result(executionId)).resolves.toMatchObject({ status: 'cancelled' });
    expect(h.steps(executionId)).toEqual(['completeExecution']);
  });

  it('turns a cancel during the run into a kill on the agent', async () => {
    const { executionId } = await h.start(
      {
        run: async (_spec, ctx) => {
          await ctx.cancel();
          await heartbeatUntil(ctx.killed);
          return outcome(h.agentId, { kind: 'cancelled', exitCode: -1 });
        },
      },
      V2,
    );
    await expect(h.result(executionId)).resolves.toMatchObject({ status: 'cancelled' });
    expect(h.steps(executionId)).toContain('killAction');
  });

  it('re-attaches to the run on the same agent when its heartbeats were lost, and uses its outcome', async () => {
    const { executionId } = await h.start(
      {
        run: async (spec, ctx) => {
          if (ctx.call === 1) {
            heartbeat();
            await sleep(6_000); // silent past the 3 s heartbeat timeout
            throw new Error('unreachable');
          }
          expect(spec.attach).toBe(true);
          return outcome(h.agentId, { exitCode: 0 });
        },
      },
      V2,
    );
    await expect(h.result(executionId)).resolves.toMatchObject({ status: 'completed' });
    expect(h.callsOf(executionId, 'runAction').map((c) => (c.input as { attach?: boolean }).attach ?? false)).toEqual([false, true]);
    expect(h.warnings(executionId)).toContain('run heartbeats lost; re-attaching to the run on its agent');
    // The re-attach also asks the agent to start a run it never received (the first task lost in transit).
    expect(h.callsOf(executionId, 'runAction').map((c) => (c.input as { startIfNeverSeen?: boolean }).startIfNeverSeen ?? false)).toEqual([false, true]);
    expect(await h.patchMarkers(executionId)).toContain('reattach-starts-lost-run-v1');
  }, 30_000);

  it('reports the agent lost when the re-attach finds no run there, and its status shows the last heartbeat', async () => {
    const { executionId } = await h.start(
      {
        run: async (_spec, ctx) => {
          if (ctx.call === 1) {
            heartbeat({ stdoutBytes: 7, stderrBytes: 3, lastLine: 'half way', pid: 4242 });
            await sleep(6_000);
            throw new Error('unreachable');
          }
          throw ApplicationFailure.nonRetryable('no run to re-attach to', 'RunNotFound');
        },
      },
      V2,
    );
    await expect(h.result(executionId)).resolves.toMatchObject({ status: 'failed' });
    expect(h.completeInput(executionId).failure?.error).toMatch(/^Agent .* was lost while running the action \(no heartbeat for 3s\)$/);
    expect(h.callsOf(executionId, 'runAction')).toHaveLength(2);
    await expect(status(executionId)).resolves.toMatchObject({ phase: 'done', finalStatus: 'failed', pid: 4242, stdoutBytes: 7, stderrBytes: 3, lastLine: 'half way', progressFrom: 'last_heartbeat' });
  }, 30_000);

  it('keeps its search attributes current in workflow tasks that happen anyway: agent, runtime and running after the claim, the final status at the report', async () => {
    const { executionId, handle } = await h.start({}, { ...V2, testTimings: null, searchAttributes: true });
    await expect(h.result(executionId)).resolves.toMatchObject({ status: 'completed' });
    const events = (await handle.fetchHistory()).events ?? [];
    // Ours (running after the claim, the final status), plus the SDK's TemporalChangeVersion upsert that comes with the patch.
    expect(upserted(events).map((names) => names.sort())).toEqual([['TemporalChangeVersion'], ['AttuneAgent', 'AttuneRuntime', 'AttuneStatus'], ['AttuneStatus']]);
    // Still 3 workflow tasks and 2 activity tasks; one more marker: the patch's.
    expect(await roundTrips(executionId)).toEqual({ workflowTasks: 3, activityTasks: 2, markers: 4 });
    expect(await h.patchMarkers(executionId)).toEqual(['search-attributes-v1']);
    const attributes = (await handle.describe()).typedSearchAttributes;
    const read = Object.fromEntries(Object.entries(SEARCH_ATTRIBUTES).map(([k, key]) => [k, attributes.get(key)]));
    expect(read).toEqual({ executionId, actionRef: 'tests.stub', pack: 'tests', runtime: 'shell', pool: h.pool, agent: h.agentId, status: 'completed' });
  });

  it('ends a cancelled-before-dispatch execution with AttuneStatus cancelled (one upsert), and fenced ones with the row status', async () => {
    const cancelled = await h.start({}, { ...V2, dispatch: false, searchAttributes: true });
    await h.cancel(cancelled.executionId);
    await expect(h.result(cancelled.executionId)).resolves.toMatchObject({ status: 'cancelled' });
    expect(upserted((await cancelled.handle.fetchHistory()).events ?? [])).toEqual([['TemporalChangeVersion'], ['AttuneStatus']]);
    expect((await cancelled.handle.describe()).typedSearchAttributes.get(SEARCH_ATTRIBUTES.status)).toBe('cancelled');

    const fenced = await h.start({ prepare: async () => ({ v: 1, kind: 'skip', status: 'abandoned', reason: 'not ours' }) }, { ...V2, searchAttributes: true });
    await expect(h.result(fenced.executionId)).resolves.toMatchObject({ status: 'abandoned', applied: false });
    expect((await fenced.handle.describe()).typedSearchAttributes.get(SEARCH_ATTRIBUTES.status)).toBe('abandoned');
  });

  it('answers the status query and shows current details: phase and agent while running, sizes and last line after the run', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { executionId, handle } = await h.start({ run: async () => heartbeatUntil(gate.then(() => outcome(h.agentId, { stdout: stdoutOf('hello\nthe last line\n\n') }))) }, V2);
    const running = await untilStatus(executionId, (s) => s.phase === 'running');
    expect(running).toEqual({
      v: 1, executionId, actionRef: 'tests.stub', phase: 'running', agentId: h.agentId, claims: 1, cancelRequested: false, finalStatus: null,
      pid: null, stdoutBytes: null, stderrBytes: null, lastLine: null, progressFrom: null, retriedAs: null,
    });
    const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toBe(`**running** · \`tests.stub\` · agent \`${h.agentId}\``);
    release();
    await expect(h.result(executionId)).resolves.toMatchObject({ status: 'completed' });
    await expect(status(executionId)).resolves.toMatchObject({ phase: 'done', finalStatus: 'completed', stdoutBytes: 21, stderrBytes: 0, lastLine: 'the last line', progressFrom: 'outcome' });

    // Each step is summarised in the history, without parameters.
    const summaries = [];
    for (const e of (await handle.fetchHistory()).events ?? []) if (e.activityTaskScheduledEventAttributes) summaries.push(await decoded(e.userMetadata?.summary));
    expect(summaries).toEqual([`claim execution ${executionId} on pool ${h.pool}`, `run shell actions/stub.sh on agent ${h.agentId}`]);
  });
});
