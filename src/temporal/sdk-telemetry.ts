import type { Runtime } from '@temporalio/worker';

/** The Temporal SDK's own metrics (Rust core: workflow/activity task latencies, slots, polls) on their own Prometheus endpoint, when asked for. */
export function sdkTelemetry(bindAddress: string | undefined): Pick<Parameters<typeof Runtime.install>[0], 'telemetryOptions'> {
  return bindAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress } } } } : {};
}
