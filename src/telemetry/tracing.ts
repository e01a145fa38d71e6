import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource, type IResource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { TracingConfig } from '../config';
import type { Lifecycle } from '../lifecycle';
import { AGENT_VERSION } from '../version';

/** What the Temporal interceptors and our own spans need: the tracer, and the processor/resource that workflow spans are exported through. */
export interface Tracing {
  tracer: Tracer;
  spanProcessor: SpanProcessor;
  resource: IResource;
}

/**
 * Loaded only when an OTLP endpoint is set (dynamic import), so a process without tracing never loads the SDK.
 * One provider per process, registered globally: the Temporal interceptors take the active context and the
 * W3C propagator from the API's globals. Registered with the lifecycle first, so it is shut down last and the
 * spans of everything closed before it are flushed.
 */
export function startTracing(config: TracingConfig, lifecycle: Lifecycle): Tracing {
  const resource = Resource.default().merge(new Resource({ [ATTR_SERVICE_NAME]: config.serviceName, [ATTR_SERVICE_VERSION]: AGENT_VERSION }));
  // The exporter resolves the endpoint, headers, timeout and compression from OTEL_EXPORTER_OTLP_* itself.
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  lifecycle.add('tracing', provider, (p) => p.shutdown());
  return { tracer: provider.getTracer('attune-temporal', AGENT_VERSION), spanProcessor, resource };
}
