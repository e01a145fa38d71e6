import { dashboardMetricNames, loadDashboard } from '../helpers/grafana-dashboard';
import { exposedSampleNames } from '../helpers/promql-metric-names';
import { resetWorkflow } from '../helpers/reset';
import { TestDeployment, eventually, freePort } from '../helpers/deployment';

/**
 * The Compose stack's dashboard against the real metrics: after the executions an operator's panels are about (one
 * completed, one cancelled, one terminated from Temporal and made final by the reconciler, one malformed message
 * parked), every metric name its PromQL reads must be a sample in the bridge's /metrics or, for `temporal_*`, in
 * the Temporal SDK's own endpoint. Grafana itself does not run here (no image for it on this machine), so this is
 * what keeps the dashboard's queries honest when a metric is renamed.
 */
describe('the Grafana dashboard reads metrics the bridge really exposes', () => {
  const d = new TestDeployment();
  let sdkMetricsPort = 0;
  beforeAll(async () => {
    sdkMetricsPort = await freePort();
    // Reconciler passes every 2 s: the terminated execution's final row comes within the test.
    await d.setup({ bridgeEnv: { ATTUNE_TEMPORAL_RECONCILE_SECONDS: '2', ATTUNE_TEMPORAL_SDK_METRICS_ADDRESS: `127.0.0.1:${sdkMetricsPort}` } });
  }, 120_000);
  afterAll(() => d.teardown(), 120_000);

  const exposition = async (port: number) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const untilSdkCounts = (name: string) =>
    eventually(async () => (exposedSampleNames(await exposition(sdkMetricsPort)).has(name) ? true : undefined), 45_000, `${name} in the SDK's metrics`);

  it('every metric name in the dashboard\'s queries is in a real exposition after executions', async () => {
    const completed = await d.dispatch('tests.ok_json', { n: 1 });
    expect((await d.waitForCompletion(completed)).status).toBe('completed');

    const cancelled = await d.dispatch('tests.sleep');
    await d.waitForStatus(cancelled, 'running');
    await d.cancel(cancelled);
    expect((await d.waitForCompletion(cancelled)).status).toBe('cancelled');

    const terminated = await d.dispatch('tests.sleep');
    await d.waitForStatus(terminated, 'running');
    await d.temporal.workflow.getHandle(d.workflowId(terminated)).terminate('grafana dashboard test: the reconciler reports it');
    await d.waitForStatus(terminated, 'failed', 30_000);

    // The SDK's failure counters have no series until they first count, so they are made to count.
    // A workflow task the bridge cannot run (a type it does not register): temporal_workflow_task_execution_failed.
    const probe = await d.temporal.workflow.start('notRegisteredByTheBridge', { taskQueue: `attune-bridge-${d.id}`, workflowId: `grafana-dashboard-probe-${d.id}` });
    await untilSdkCounts('temporal_workflow_task_execution_failed');
    await probe.terminate('grafana dashboard test: its failing workflow task was counted');
    // The execution table away for a moment: the bridge's control steps fail as local activities, then as
    // regular ones (temporal_local_activity_execution_failed, temporal_activity_execution_failed), and the
    // execution completes once it is back.
    const delayed = await d.createExecution('tests.ok_json', { n: 2 });
    await d.db.query('ALTER TABLE execution RENAME TO execution_away');
    try {
      await d.publish(`execution.dispatch.worker.${d.workerId}`, d.dispatchEnvelope(delayed, 'tests.ok_json', { n: 2 }));
      await untilSdkCounts('temporal_local_activity_execution_failed');
      await untilSdkCounts('temporal_activity_execution_failed');
    } finally {
      await d.db.query('ALTER TABLE execution_away RENAME TO execution');
    }
    expect((await d.waitForCompletion(delayed)).status).toBe('completed');

    // A Reset of a completed execution's workflow: its retry is refused (attune_temporal_retries_total).
    await resetWorkflow(d.temporal, d.workflowId(completed), 'first');
    await eventually(async () => (/^attune_temporal_retries_total\{/m.test(await exposition(d.httpPort)) ? true : undefined), 15_000, 'a retry counted');

    await d.publish(`execution.dispatch.worker.${d.workerId}`, { not: 'an envelope' });
    await eventually(async () => (/^attune_temporal_parked_messages_total\{/m.test(await exposition(d.httpPort)) ? true : undefined), 15_000, 'a parked message counted');

    const bridgeText = await exposition(d.httpPort);
    const sdkText = await exposition(sdkMetricsPort);
    const bridge = exposedSampleNames(bridgeText);
    const sdk = exposedSampleNames(sdkText);
    const names = dashboardMetricNames(loadDashboard());
    // Guards against an extractor that finds nothing (and so checks nothing).
    expect(names.length).toBeGreaterThanOrEqual(20);
    const missing = names.filter((n) => !(n.startsWith('temporal_') ? sdk : bridge).has(n));
    expect(missing).toEqual([]);

    // And the other way round: every metric family of the bridge's own has a panel (a histogram by any of its series).
    const families = [...bridgeText.matchAll(/^# TYPE (attune_temporal_\w+) (\w+)$/gm)].map((m) => m[1]!);
    expect(families.length).toBeGreaterThanOrEqual(8);
    const unused = families.filter((f) => !names.some((n) => n === f || n === `${f}_bucket` || n === `${f}_sum` || n === `${f}_count`));
    expect(unused).toEqual([]);
  });
});
