import { Client } from '@temporalio/client';
import { SEARCH_ATTRIBUTES, WORKFLOW_TYPES, QUERIES, deploymentNames } from '../../src/temporal/names';
import type { AgentSessionInput } from '../../src/temporal/contracts';
import { createDataConverter } from '../../src/temporal/data-converter';
import { EncryptionCodec, loadCodecKeys } from '../../src/temporal/payload-codec';
import type { ExecutionStatusView } from '../../workflows/state';
import { TestDeployment, eventually, freePort } from '../helpers/deployment';
import { TEST_CODEC_KEYS } from '../helpers/services';

/**
 * Operating executions from the Temporal UI, over the real services: executions are found by their search
 * attributes (visibility is eventually consistent: polled with a deadline), a running one answers the status
 * query, the bridge's /metrics counts what happened, and no agent session is left Running — neither when an agent
 * stops nor when one vanished without closing its session (the reconciler closes it).
 */
describe('operating executions from the Temporal UI', () => {
  // Reconciler passes every 2 s, so a vanished session is closed within the test (its staleness bound is 40 s).
  const d = new TestDeployment();
  let client: Client; // with the codec: query answers and session inputs are encrypted like every payload
  let sdkMetricsPort = 0;
  beforeAll(async () => {
    sdkMetricsPort = await freePort();
    await d.setup({ bridgeEnv: { ATTUNE_TEMPORAL_RECONCILE_SECONDS: '2', ATTUNE_TEMPORAL_SDK_METRICS_ADDRESS: `127.0.0.1:${sdkMetricsPort}` } });
    client = new Client({ connection: d.temporal.connection, namespace: d.temporal.options.namespace, dataConverter: createDataConverter(new EncryptionCodec(loadCodecKeys({ ATTUNE_TEMPORAL_CODEC_KEYS: TEST_CODEC_KEYS }))) });
  }, 120_000);
  afterAll(() => d.teardown(), 120_000);

  const sessions = async (status: 'Running' | 'Completed' | 'Terminated') => {
    const ids: string[] = [];
    for await (const w of client.workflow.list({ query: `WorkflowType = '${WORKFLOW_TYPES.agentSession}' AND TaskQueue = 'attune-bridge-${d.id}' AND ExecutionStatus = '${status}'` })) ids.push(w.workflowId);
    return ids.sort();
  };

  const metric = async (line: string): Promise<number | undefined> => {
    const text = await (await fetch(`http://127.0.0.1:${d.httpPort}/metrics`)).text();
    const found = text.split('\n').find((l) => l.startsWith(`${line} `));
    return found === undefined ? undefined : Number(found.slice(line.length + 1));
  };

  let completedId = 0;
  let cancelledId = 0;

  it('finds a completed execution by AttuneExecutionId, with its action, pack, pool, runtime, agent and status', async () => {
    completedId = await d.dispatch('tests.ok_json', { n: 1 });
    expect((await d.waitForCompletion(completedId)).status).toBe('completed');
    const found = await eventually(async () => {
      for await (const w of d.temporal.workflow.list({ query: `AttuneExecutionId = ${completedId}` })) {
        if (w.typedSearchAttributes.get(SEARCH_ATTRIBUTES.status) === 'completed') return w;
      }
      return undefined;
    }, 30_000, `execution ${completedId} in visibility with AttuneStatus completed`);
    expect(found.workflowId).toBe(d.workflowId(completedId));
    const read = Object.fromEntries(Object.entries(SEARCH_ATTRIBUTES).map(([k, key]) => [k, found.typedSearchAttributes.get(key)]));
    expect(read).toEqual({ executionId: completedId, actionRef: 'tests.ok_json', pack: 'tests', runtime: 'shell', pool: d.pool, agent: expect.stringMatching(new RegExp(`^${d.pool}\\.`)), status: 'completed' });
    // And by the other attributes an operator filters on.
    const byPool = await eventually(async () => {
      const { count } = await d.temporal.workflow.count(`AttunePool = '${d.pool}' AND AttuneStatus = 'completed' AND AttuneActionRef = 'tests.ok_json'`);
      return count >= 1 ? count : undefined;
    }, 30_000, 'count by pool, status and action');
    expect(byPool).toBe(1);
  });

  it('answers the status query of a running execution, then ends it cancelled', async () => {
    cancelledId = await d.dispatch('tests.sleep');
    await d.waitForStatus(cancelledId, 'running');
    const handle = client.workflow.getHandle(d.workflowId(cancelledId));
    const status = await eventually(async () => {
      const s = await handle.query<ExecutionStatusView>(QUERIES.status);
      return s.phase === 'running' ? s : undefined;
    }, 20_000, 'status query phase running');
    expect(status).toMatchObject({ v: 1, executionId: cancelledId, actionRef: 'tests.sleep', phase: 'running', claims: 1, cancelRequested: false, finalStatus: null });
    expect(status.agentId).toMatch(new RegExp(`^${d.pool}\\.`));
    const running = await eventually(async () => {
      for await (const w of d.temporal.workflow.list({ query: `AttuneExecutionId = ${cancelledId} AND AttuneStatus = 'running'` })) return w;
      return undefined;
    }, 30_000, 'running execution by AttuneStatus');
    expect(running.typedSearchAttributes.get(SEARCH_ATTRIBUTES.agent)).toBe(status.agentId);

    await d.cancel(cancelledId);
    expect((await d.waitForCompletion(cancelledId)).status).toBe('cancelled');
    await expect(handle.query<ExecutionStatusView>(QUERIES.status)).resolves.toMatchObject({ phase: 'done', finalStatus: 'cancelled', stdoutBytes: 9, lastLine: 'sleeping', progressFrom: 'outcome' });
    expect((await handle.describe()).typedSearchAttributes.get(SEARCH_ATTRIBUTES.status)).toBe('cancelled');
  });

  it('exposes Prometheus metrics with what happened', async () => {
    expect(completedId).toBeGreaterThan(0);
    expect(await metric(`attune_temporal_dispatches_received_total{pool="${d.pool}"}`)).toBe(2);
    expect(await metric(`attune_temporal_cancels_received_total{pool="${d.pool}"}`)).toBe(1);
    expect(await metric('attune_temporal_executions_total{status="completed"}')).toBe(1);
    expect(await metric('attune_temporal_executions_total{status="cancelled"}')).toBe(1);
    expect(await metric('attune_temporal_executions_total{status="failed"}')).toBeUndefined();
    expect(await metric('attune_temporal_execution_duration_seconds_count{status="completed"}')).toBe(1);
    expect(await metric(`attune_temporal_claim_wait_seconds_count{pool="${d.pool}"}`)).toBe(2);
    expect(await metric(`attune_temporal_executions_in_flight{pool="${d.pool}"}`)).toBe(0);
    const wait = await metric(`attune_temporal_claim_wait_seconds_sum{pool="${d.pool}"}`);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThan(30);
    await d.publish(`execution.dispatch.worker.${d.workerId}`, { not: 'an envelope' });
    await eventually(async () => ((await metric('attune_temporal_parked_messages_total{reason="malformed_envelope"}')) === 1 ? true : undefined), 15_000, 'parked counter');
    await expect(d.parked()).resolves.toHaveLength(1);
  });

  it('serves the Temporal SDK\'s own metrics where asked to', async () => {
    const text = await (await fetch(`http://127.0.0.1:${sdkMetricsPort}/metrics`)).text();
    expect(text).toMatch(/^temporal_workflow_completed\S* \d/m);
    expect(text).toMatch(/^temporal_activity_execution_latency\S*/m);
  });

  it('closes an agent\'s session when the agent stops (that agent serving the SDK\'s metrics, opted in)', async () => {
    const before = await sessions('Running');
    const agentMetricsPort = await freePort();
    d.startAgent({ ATTUNE_TEMPORAL_SDK_METRICS_ADDRESS: `127.0.0.1:${agentMetricsPort}` });
    const added = await eventually(async () => {
      const now = (await sessions('Running')).filter((id) => !before.includes(id));
      return now.length === 1 ? now[0] : undefined;
    }, 60_000, 'the second agent\'s session');
    const agentMetrics = await (await fetch(`http://127.0.0.1:${agentMetricsPort}/metrics`)).text();
    expect(agentMetrics).toMatch(/^temporal_num_pollers\S* \d/m); // its activity workers' pollers
    expect(agentMetrics).not.toMatch(/^temporal_workflow_/m); // no workflow worker on an agent
    await d.agents[d.agents.length - 1]!.stop();
    const status = await eventually(async () => {
      const s = (await client.workflow.getHandle(added).describe()).status.name;
      return s === 'RUNNING' ? undefined : s;
    }, 15_000, 'the stopped agent\'s session to close');
    expect(status).toBe('COMPLETED');
    await d.recordWorkflowHistory(added, 'v6-agent-session-stopped');
  });

  it('the reconciler closes the session of an agent that vanished without closing it', async () => {
    const agentId = `${d.pool}.ghost.${d.id}`;
    const session: AgentSessionInput = {
      v: 1, agentId, pool: d.pool, hostname: 'ghost', startedAt: new Date().toISOString(), agentVersion: 'test',
      capabilities: { runtimes: [], runtime_versions: {}, detected_interpreters: [], labels: {}, max_concurrent_executions: 1 },
    };
    // Announced, then gone before polling: its presence is never picked up (the session's own timeout would take 60 s).
    const workflowId = deploymentNames(`attune-bridge-${d.id}`).agentSessionWorkflowId(agentId);
    const started = Date.now();
    await client.workflow.start(WORKFLOW_TYPES.agentSession, { workflowId, taskQueue: `attune-bridge-${d.id}`, args: [session], memo: { session } });
    const closed = await eventually(async () => {
      const s = await client.workflow.getHandle(workflowId).describe();
      return s.status.name === 'RUNNING' ? undefined : s;
    }, 58_000, 'the vanished agent\'s session to close');
    expect(closed.status.name).toBe('TERMINATED');
    expect(Date.now() - started).toBeGreaterThan(40_000);
    expect(await metric('attune_temporal_reconciler_actions_total{action="session_closed"}')).toBe(1);
  }, 70_000);
});
