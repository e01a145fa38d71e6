import { ConfigError } from '../../src/errors';
import { loadTracingConfig } from '../../src/config';

describe('tracing configuration', () => {
  it('is off unless an OTLP endpoint is set (empty counts as unset)', () => {
    expect(loadTracingConfig({}, 'attune-agent')).toBeNull();
    expect(loadTracingConfig({ OTEL_SERVICE_NAME: 'x', OTEL_EXPORTER_OTLP_ENDPOINT: '' }, 'attune-agent')).toBeNull();
  });

  it('takes the traces endpoint as is, the general one with /v1/traces, and OTEL_SERVICE_NAME over the default name', () => {
    expect(loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }, 'attune-bridge')).toEqual({ serviceName: 'attune-bridge', endpoint: 'http://collector:4318/v1/traces' });
    expect(loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/traces', OTEL_SERVICE_NAME: 'edge' }, 'attune-agent')).toEqual({ serviceName: 'edge', endpoint: 'https://b/traces' });
  });

  it('is off with OTEL_SDK_DISABLED=true, and a bad endpoint is a configuration error naming the variable', () => {
    expect(loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_SDK_DISABLED: 'true' }, 'attune-agent')).toBeNull();
    expect(() => loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, 'attune-agent')).toThrow(ConfigError);
    expect(() => loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, 'attune-agent')).toThrow(/^OTEL_EXPORTER_OTLP_ENDPOINT is invalid/);
  });
});
