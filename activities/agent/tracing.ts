import type { WorkerInterceptors } from '@temporalio/worker';
import type { TracingConfig } from '../../src/config';
import type { Lifecycle } from '../../src/lifecycle';

/**
 * The agent's activities as `RunActivity:<type>` spans under the workflow's. Loaded only when an OTLP endpoint is set:
 * without one the agent's start parses but never runs the OpenTelemetry code (it is in agent.js, behind this import).
 */
export async function agentTracing(config: TracingConfig, lifecycle: Lifecycle): Promise<WorkerInterceptors> {
  const [{ startTracing }, { activityTracing }] = await Promise.all([import('../../src/telemetry/tracing'), import('../../src/telemetry/temporal-interceptors')]);
  startTracing(config, lifecycle);
  return { activity: [activityTracing()] };
}
