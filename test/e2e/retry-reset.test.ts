import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { ROUTING } from '../../src/attune/topology';
import type { ExecutionWorkflowResult } from '../../workflows/state';
import { TestDeployment, TEST_RELEASE_DIGEST, eventually } from '../helpers/deployment';
import { resetWorkflow } from '../helpers/reset';
import { testDataConverter } from '../helpers/services';

const vectors = JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'vectors', 'attune-crypto.json'), 'utf8')) as { vectors: { value: unknown; encrypted_value: string }[] };
const SECRET = 's3cr3t-p@ss';
const SECRET_MARKER = { $attune_secret: true, redacted: true };

/**
 * Retry from the Temporal UI, the way Attune records a retry: Reset of a failed execution's workflow makes the
 * reset run create Attune's retry row (RetryManager::create_retry_execution) and announce it on
 * `execution.requested`; this test then plays Attune's scheduler (claims it for our worker, dispatches it) and
 * the retry runs as its own workflow. Refusals (a workflow-task child, an execution that did not fail) fail the
 * reset run with the reason.
 */
describe('retry by Reset of an execution workflow', () => {
  const d = new TestDeployment();
  let client: Client; // with the codec: workflow results are encrypted like every payload
  beforeAll(async () => {
    await d.setup();
    client = new Client({ connection: d.temporal.connection, namespace: d.temporal.options.namespace, dataConverter: testDataConverter() });
  }, 120_000);
  afterAll(() => d.teardown(), 120_000);

  /** An execution pinned to a release (as every execution Attune creates today), with a trace tag of its own. */
  const runPinned = async (actionRef: string, config: Record<string, unknown> = {}) => {
    const id = await d.createExecution(actionRef, config);
    await d.pinRelease(id);
    await d.db.query(`UPDATE execution SET trace_tag = $2 WHERE id = $1`, [id, `execution-${actionRef}-1`]);
    return id;
  };
  const dispatchPinned = (id: number, actionRef: string) => d.dispatchExisting(id, actionRef);
  const retryRows = (originalId: number) => d.retriesOf(originalId);
  const resetRunResult = (id: number, runId: string) => client.workflow.getHandle<() => Promise<ExecutionWorkflowResult>>(d.workflowId(id), runId).result();
  const killLeftovers = (id: number) => {
    for (const pid of readFileSync(`${d.markerDir}/pids.${id}`, 'utf8').trim().split(/\s+/).map(Number)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  };
  const metric = async (line: string) => {
    const found = (await (await fetch(`http://127.0.0.1:${d.httpPort}/metrics`)).text()).split('\n').find((l) => l.startsWith(`${line} `));
    return found === undefined ? 0 : Number(found.slice(line.length + 1));
  };

  it('a Reset to the first workflow task creates the retry row; Attune schedules it and it runs as its own workflow, secrets restored', async () => {
    const script = path.join(d.packsDir, 'tests', 'actions', 'secret_check.sh');
    const working = readFileSync(script, 'utf8');
    writeFileSync(script, '#!/bin/sh\nread -r params\necho "upstream unavailable" >&2\nexit 3\n'); // the first attempt fails
    const vector = vectors.vectors.find((v) => v.value === SECRET)!;
    const id = await runPinned('tests.secret_check', { user: 'svc', password: SECRET_MARKER });
    await d.addSecretParameter(id, '/password', vector.encrypted_value);
    await dispatchPinned(id, 'tests.secret_check');
    const failed = await d.waitForCompletion(id);
    expect(failed.status).toBe('failed');
    writeFileSync(script, working); // the operator fixed the cause, then retries from the UI

    const resetRun = await resetWorkflow(d.temporal, d.workflowId(id), 'first');
    const result = await resetRunResult(id, resetRun);
    const [retry, ...more] = await retryRows(id);
    expect(more).toEqual([]);
    expect(result).toEqual({ v: 1, status: 'failed', applied: false, retriedAs: Number(retry!.id) });
    const retryId = Number(retry!.id);
    await d.recordHistory(id, 'v6-reset-retry');

    // The row create_retry_execution makes: requested, no worker, the original's action, parameters (secret markers
    // kept), trace tag and pin, the retry_* keys in config and the retry columns.
    expect(retry).toMatchObject({ status: 'requested', worker: null, action_ref: 'tests.secret_check', retry_count: 1, max_retries: 0, retry_reason: 'manual_retry', original_execution: String(id), trace_tag: 'execution-tests.secret_check-1', pack_release_digest: TEST_RELEASE_DIGEST, executable_snapshot: { executable: {} }, result: null });
    expect(retry!.config).toEqual({ user: 'svc', password: SECRET_MARKER, retry_count: 1, max_retries: 0, original_execution: id, retry_reason: 'manual_retry', retry_of: id, retry_at: expect.any(String) });
    expect(Date.parse(retry!.config.retry_at as string)).toBeGreaterThan(Date.now() - 120_000);
    const secrets = await d.db.query<{ entity_id: string; encrypted_value: string }>(`SELECT entity_id, encrypted_value FROM execution_secret_value WHERE entity_type = 'execution_config' AND json_path = '/password' ORDER BY entity_id`);
    expect(secrets.rows).toEqual([{ entity_id: String(id), encrypted_value: vector.encrypted_value }, { entity_id: String(retryId), encrypted_value: vector.encrypted_value }]);
    // The original keeps its final row.
    expect(await d.row(id)).toEqual(failed);

    // Handed to Attune's scheduler as its API and executor hand over a new execution.
    const requested = await eventually(async () => d.messages.find((m) => m.routingKey === ROUTING.requested && m.payload.execution_id === retryId), 10_000, 'ExecutionRequested for the retry');
    expect(requested.type).toBe('ExecutionRequested');
    expect(requested.payload).toEqual({ execution_id: retryId, action_id: Number(retry!.action), action_ref: 'tests.secret_check', parent_id: null, enforcement_id: null, config: retry!.config, release_digest: TEST_RELEASE_DIGEST });

    // Attune's scheduler dispatches it to our worker: it runs as its own workflow, with the secret restored.
    await d.schedule(retryId);
    expect((await d.waitForCompletion(retryId)).status).toBe('completed');
    expect(readFileSync(`${d.markerDir}/secret.${retryId}`, 'utf8')).toBe(SECRET);
    // Its workflow closes just after the final messages (they are published from its last step).
    await eventually(async () => ((await d.temporal.workflow.getHandle(d.workflowId(retryId)).describe()).status.name === 'COMPLETED' ? true : undefined), 10_000, 'the retry\'s workflow completed');

    // Resetting again gives the same retry, not a second one (one retry per execution: reset the retry's workflow next).
    const again = await resetWorkflow(d.temporal, d.workflowId(id), 'last');
    expect(await resetRunResult(id, again)).toEqual({ v: 1, status: 'failed', applied: false, retriedAs: retryId });
    expect((await retryRows(id)).map((r) => r.id)).toEqual([String(retryId)]);
  });

  it('a Reset to the last workflow task (the report) creates the retry as well', async () => {
    const id = await runPinned('tests.fail');
    await dispatchPinned(id, 'tests.fail');
    expect((await d.waitForCompletion(id)).status).toBe('failed');
    const resetRun = await resetWorkflow(d.temporal, d.workflowId(id), 'last');
    const result = await resetRunResult(id, resetRun);
    const rows = await retryRows(id);
    expect(rows).toHaveLength(1);
    expect(result.retriedAs).toBe(Number(rows[0]!.id));
    expect(rows[0]).toMatchObject({ status: 'requested', retry_reason: 'manual_retry', retry_count: 1 });
    await d.recordHistory(id, 'v6-reset-retry-at-report');
    await d.db.query(`UPDATE execution SET status = 'cancelled' WHERE id = $1`, [rows[0]!.id]); // not run here: no workflow left behind
  });

  it('refuses, with the reason, a workflow-task child and an execution that did not fail', async () => {
    const child = await runPinned('tests.fail');
    await dispatchPinned(child, 'tests.fail');
    expect((await d.waitForCompletion(child)).status).toBe('failed');
    await d.db.query(`UPDATE execution SET workflow_task = '{"workflow_execution": 123, "task_name": "deploy"}'::jsonb WHERE id = $1`, [child]);
    const childReset = await resetWorkflow(d.temporal, d.workflowId(child), 'first');
    const childError = await resetRunResult(child, childReset).then(() => null, (err: unknown) => err);
    expect(childError).toBeInstanceOf(WorkflowFailedError);
    expect((childError as WorkflowFailedError).cause?.message).toBe(
      `Retry refused: execution ${child} is task "deploy" of workflow execution 123: Attune's executor owns the retries of workflow tasks (their parent has moved on)`,
    );

    const ok = await d.dispatch('tests.ok_json');
    expect((await d.waitForCompletion(ok)).status).toBe('completed');
    const okError = await resetRunResult(ok, await resetWorkflow(d.temporal, d.workflowId(ok), 'first')).then(() => null, (err: unknown) => err);
    expect((okError as WorkflowFailedError).cause?.message).toBe(`Retry refused: execution ${ok} is completed: only a failed or timed-out execution is retried`);

    expect(await retryRows(child)).toEqual([]);
    expect(await retryRows(ok)).toEqual([]);
    expect(readFileSync(path.join(d.dir, 'bridge.log'), 'utf8')).toContain('retry refused');
    expect(await metric('attune_temporal_retries_total{outcome="refused"}')).toBe(2);
    expect(await metric('attune_temporal_retries_total{outcome="created"}')).toBe(2);
    expect(await metric('attune_temporal_retries_total{outcome="existed"}')).toBe(1);
  });

  it('an agent lost mid-run: an action that opted in (max_retries) gets a retry, worker_heartbeat_stale, within its budget', async () => {
    await d.db.query(`UPDATE action SET max_retries = 1 WHERE ref = 'tests.sleep'`);
    const id = await runPinned('tests.sleep');
    await dispatchPinned(id, 'tests.sleep');
    await eventually(async () => (existsSync(`${d.markerDir}/pids.${id}`) ? true : undefined), 30_000, 'action started');
    await d.agents[0]!.stop('SIGKILL');
    const row = await d.waitForCompletion(id, 90_000);
    expect(row.result!.error).toMatch(/was lost while running the action/);
    expect(await metric('attune_temporal_runs_heartbeat_lost_total')).toBe(1);
    killLeftovers(id); // the plain-node agent has no launcher to take its action with it
    d.agents.splice(0, 1);
    d.startAgent();

    const [retry, ...more] = await retryRows(id);
    expect(more).toEqual([]);
    expect(retry).toMatchObject({ status: 'requested', worker: null, retry_count: 1, max_retries: 1, retry_reason: 'worker_heartbeat_stale', original_execution: String(id) });
    expect(retry!.config).toMatchObject({ retry_count: 1, max_retries: 1, retry_reason: 'worker_heartbeat_stale', retry_of: id, original_execution: id });
    const retryId = Number(retry!.id);
    await eventually(async () => d.messages.find((m) => m.routingKey === ROUTING.requested && m.payload.execution_id === retryId), 10_000, 'ExecutionRequested for the retry');

    // Attune schedules it; it runs as its own workflow (cancelled here rather than left to sleep).
    await d.waitForWorker();
    await d.schedule(retryId);
    await d.waitForStatus(retryId, 'running', 60_000);
    await d.cancel(retryId);
    expect((await d.waitForCompletion(retryId)).status).toBe('cancelled');
    killLeftovers(retryId);
  });
});
