import type { InjectedSinks } from '@temporalio/worker';
import type { OpenTelemetryWorkflowExporter } from '@temporalio/interceptors-opentelemetry/lib/workflow/definitions';

/**
 * The OpenTelemetry workflow interceptors (`RunWorkflow:<type>`, `StartActivity:<type>`), as a module for the
 * workflow bundle: they run in the isolate, create no commands (spans leave through the `exporter` sink) and take
 * their ids from the workflow's seeded random, so a history replays the same with or without them.
 */
export const WORKFLOW_TRACING_MODULES: string[] = [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')];

/** For a bundle built with those modules in a process that does not trace (a prebuilt bundle, replay): spans are dropped. */
export const droppedWorkflowSpans: InjectedSinks<{ exporter: OpenTelemetryWorkflowExporter }> = { exporter: { export: { fn: () => undefined } } };
