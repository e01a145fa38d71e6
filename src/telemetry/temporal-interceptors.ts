import type { ClientInterceptors } from '@temporalio/client';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';
import { makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor } from '@temporalio/interceptors-opentelemetry/lib/worker';
import type { OpenTelemetryWorkflowExporter } from '@temporalio/interceptors-opentelemetry/lib/workflow/definitions';
import type { Tracing } from './tracing';

/**
 * The Temporal SDK's OpenTelemetry interceptors, wired to our provider. The subpaths (not the package index) keep
 * the agent bundle to the client and activity side: the index also pulls in the workflow-isolate code.
 */

/** Activities run as `RunActivity:<type>` spans, children of the workflow's `StartActivity:<type>` (from the headers). */
export function activityTracing(): ActivityInterceptorsFactory {
  return (ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) });
}

/** Starts and signals carry the active context to the workflow in their headers. */
export function clientTracing(): ClientInterceptors {
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor()] };
}

/** The sink the workflow interceptors send their spans to (never called during replay), out through our processor. */
export function workflowSpanSink(tracing: Tracing): InjectedSinks<{ exporter: OpenTelemetryWorkflowExporter }> {
  return { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) };
}
