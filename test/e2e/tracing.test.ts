import { TestDeployment } from '../helpers/deployment';
import { eventually } from '../helpers/deployment';
import { OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver';

/**
 * OpenTelemetry traces over the real services: with OTEL_EXPORTER_OTLP_ENDPOINT set for bridge and agent, one
 * execution is one trace from the bridge's dispatch span (with Attune's trace_tag) through the workflow on the bridge
 * to the action's run on the agent, sent to an in-test OTLP/HTTP receiver. Without the variable nothing is sent, not
 * even to the exporters' default endpoint.
 */
describe('tracing', () => {
  const receiver = new OtlpReceiver();
  const d = new TestDeployment();
  // Spans leave in batches; short delays keep the test quick.
  const batching = { OTEL_BSP_SCHEDULE_DELAY: '200' };
  beforeAll(async () => {
    const endpoint = await receiver.listen();
    const traced = { ...batching, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint };
    await d.setup({ bridgeEnv: traced, agentEnv: traced });
  }, 120_000);
  afterAll(async () => {
    await d.teardown();
    await receiver.close();
  }, 120_000);

  const spansOfTrace = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);
  const named = (spans: ReceivedSpan[], service: string, name: string) => spans.find((s) => s.service === service && s.name === name);

  it('follows one execution from the dispatch to the completion in one trace, carrying its trace_tag', async () => {
    const traceTag = `tag-${d.id}`;
    const id = await d.dispatch('tests.ok_json', { n: 1 }, { traceTag });
    expect((await d.waitForCompletion(id)).status).toBe('completed');
    // A history with trace headers, replayed by test/replay with and without the workflow interceptors.
    await d.recordHistory(id, 'v6-traced-completed-json');

    const dispatch = await eventually(async () => receiver.spans.find((s) => s.name === 'attune.dispatch' && s.attributes['attune.execution_id'] === id), 30_000, 'the dispatch span');
    expect(dispatch).toMatchObject({ service: 'attune-bridge', parentSpanId: '' });
    expect(dispatch.attributes).toMatchObject({ 'attune.trace_tag': traceTag, 'attune.action_ref': 'tests.ok_json', 'attune.pool': d.pool, 'attune.verdict': 'ack' });

    // The workflow span is sent when the workflow ends, the agent's spans when their activity does: wait for all.
    const expected: [string, string][] = [
      ['attune-bridge', 'StartWorkflow:attuneExecutionWorkflow'],
      ['attune-bridge', 'RunWorkflow:attuneExecutionWorkflow'],
      ['attune-bridge', 'RunActivity:prepareExecution'],
      ['attune-bridge', 'RunActivity:completeExecution'],
      ['attune-agent', 'RunActivity:claimAgent'],
      ['attune-agent', 'RunActivity:runAction'],
    ];
    const trace = await eventually(async () => {
      const spans = spansOfTrace(dispatch.traceId);
      return expected.every(([service, name]) => named(spans, service, name)) ? spans : undefined;
    }, 30_000, `spans ${expected.map((e) => e[1]).join(', ')} in trace ${dispatch.traceId}`);

    // Parent links: dispatch → start → workflow → StartActivity:runAction → the agent's RunActivity:runAction.
    const start = named(trace, 'attune-bridge', 'StartWorkflow:attuneExecutionWorkflow')!;
    const workflow = named(trace, 'attune-bridge', 'RunWorkflow:attuneExecutionWorkflow')!;
    const scheduled = named(trace, 'attune-bridge', 'StartActivity:runAction')!;
    const run = named(trace, 'attune-agent', 'RunActivity:runAction')!;
    expect(start.parentSpanId).toBe(dispatch.spanId);
    expect(workflow.parentSpanId).toBe(start.spanId);
    expect(scheduled.parentSpanId).toBe(workflow.spanId);
    expect(run.parentSpanId).toBe(scheduled.spanId);
    expect(receiver.rejected).toEqual([]);
  });

  it('sends nothing without an OTLP endpoint, not even to the default one (127.0.0.1:4318)', async () => {
    const fallback = new OtlpReceiver();
    // The default endpoint may be taken on this machine; then only the test's receiver is watched.
    const listening = await fallback.listen(4318).then(() => true, () => false);
    try {
      await Promise.all(d.agents.map((a) => a.stop()));
      await d.bridge?.stop();
      const untraced = { ...batching, OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '', OTEL_SERVICE_NAME: 'not-traced' };
      d.startBridge(untraced);
      await d.waitForBridge();
      d.startAgent(untraced);
      await d.waitForWorker();
      const before = receiver.requests;
      const id = await d.dispatch('tests.ok_json', { n: 2 }, { traceTag: `tag-${d.id}-off` });
      expect((await d.waitForCompletion(id)).status).toBe('completed');
      await new Promise((r) => setTimeout(r, 1500)); // several batch delays
      expect(receiver.requests).toBe(before);
      if (listening) expect(fallback.requests).toBe(0);
    } finally {
      if (listening) await fallback.close();
    }
  });
});
