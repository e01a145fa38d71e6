/**
 * Attune's `source_ref` for a redacted result value (`execution_secret_value`, source_kind `provenance`): the
 * serialized SecretProvenance its API reads to decide who may see the value again. Field order follows
 * Attune's serde output (`crates/common/src/secret_provenance.rs`), so rows compare equal to native ones.
 */
export const PROVENANCE_SOURCE_KIND = 'provenance';

/** The value may carry the execution's secret parameters: one `entity` origin per execution_config row. */
export function parameterProvenance(executionId: number, parameterPaths: readonly string[]): string {
  const origins = parameterPaths.map((path) => ({ kind: 'entity', entity_type: 'execution_config', entity_id: executionId, path }));
  return JSON.stringify({ origins, templates: [] });
}

/** The value is secret because a schema says so (Attune's `ParameterSchema` source), at `path`. */
export function schemaProvenance(path: string): string {
  return JSON.stringify({ origins: [{ kind: 'local', source_kind: 'parameter_schema', source_ref: path }], templates: [] });
}
