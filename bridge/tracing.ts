import type { Tracer } from '@opentelemetry/api';
import type { ClientInterceptors } from '@temporalio/client';
import type { WorkerOptions } from '@temporalio/worker';
import type { TracingConfig } from '../src/config';
import type { Lifecycle } from '../src/lifecycle';
import { droppedWorkflowSpans, WORKFLOW_TRACING_MODULES } from '../src/telemetry/workflow-interceptor-modules';

/** What tracing adds to the bridge: its own spans' tracer, the interceptors of the client that starts executions, and the worker's. */
export interface BridgeTracing {
  tracer?: Tracer;
  clientInterceptors?: ClientInterceptors;
  worker: Pick<WorkerOptions, 'interceptors' | 'sinks'>;
}

/**
 * Off (no OTLP endpoint set): nothing is loaded and the worker is unchanged, but for a sink that drops the spans of a
 * prebuilt workflow bundle made with the tracing modules (docker/bridge.Dockerfile), so an image can trace when
 * asked to. On: the workflow interceptor modules (used when the bridge bundles at start; a prebuilt bundle carries
 * them already), the activity interceptors for prepare/begin/complete, and the workflow spans' sink.
 */
export async function bridgeTracing(config: TracingConfig | null, lifecycle: Lifecycle): Promise<BridgeTracing> {
  if (!config) return { worker: { sinks: droppedWorkflowSpans } };
  const [{ startTracing }, temporal] = await Promise.all([import('../src/telemetry/tracing'), import('../src/telemetry/temporal-interceptors')]);
  const tracing = startTracing(config, lifecycle);
  return {
    tracer: tracing.tracer,
    clientInterceptors: temporal.clientTracing(),
    worker: {
      interceptors: { activity: [temporal.activityTracing()], workflowModules: WORKFLOW_TRACING_MODULES },
      sinks: temporal.workflowSpanSink(tracing),
    },
  };
}
