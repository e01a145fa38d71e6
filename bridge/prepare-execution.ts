import type { Pool } from 'pg';
import { advertisedVersions, findAction, findEnforcementRefs, findRuntime, findRuntimeVersions, type ActionRow, type RuntimeRow, type RuntimeVersionDbRow } from '../src/attune/db/actions';
import { normalizeRuntimeName } from '../src/attune/runtimes';
import { selectRuntimeVersion } from '../src/attune/runtime-version-selection';
import { loadExecution, type ExecutionRow } from '../src/attune/db/executions';
import { isTerminal } from '../src/attune/status';
import type { DispatchSignal, OutputFormat, ParameterDelivery, ParameterFormat, PrepareResult, RunSpec, RuntimeExecutionConfig } from '../src/temporal/contracts';
import { scalarText } from '../src/attune/parameter-passing';
import { attuneKeyHash, decryptAttuneJson } from '../src/attune/crypto';
import { findExecutionConfigSecrets } from '../src/attune/db/secrets';
import { ATTUNE_DEFAULT_JWT_SECRET, mintExecutionToken } from '../src/attune/execution-token';
import { setAtPointer } from '../src/attune/json-pointer';

export interface PrepareDeps {
  db: Pool;
  apiUrl: string;
  defaultTimeoutSeconds: number;
  /** Attune's master key: stays in the control plane, never reaches an agent. */
  encryptionKey: string | undefined;
  jwtSecret: string | undefined;
}

/** A failure Attune's worker finds while preparing the context, after it marked the row running. */
const invalid = (error: string): PrepareResult => ({ v: 1, kind: 'invalid', error, markRunningFirst: true });

/**
 * Loads the execution and what it runs, checks it is still ours to run, and resolves everything the
 * agent needs into a RunSpec: the parameters from the row (Attune's worker ignores the dispatch's
 * copy), the timeout by Attune's precedence, and the ATTUNE_* context.
 */
export async function prepareExecution(deps: PrepareDeps, input: { executionId: number; workerId: number; dispatch: DispatchSignal }): Promise<PrepareResult> {
  const row = await loadExecution(deps.db, input.executionId);
  if (!row) return { v: 1, kind: 'skip', status: 'missing', reason: `execution ${input.executionId} does not exist` };
  if (isTerminal(row.status)) return { v: 1, kind: 'skip', status: row.status, reason: `execution is already ${row.status}` };
  if (row.worker !== input.workerId) {
    return { v: 1, kind: 'skip', status: row.status, reason: `execution is assigned to worker ${row.worker ?? 'none'}, not ${input.workerId}` };
  }
  if (input.dispatch.releaseId !== row.pack_release || input.dispatch.releaseDigest !== row.pack_release_digest) {
    // Found before Attune's worker marks anything running: failed from `scheduled` (see README, differences).
    return { v: 1, kind: 'invalid', error: `Execution ${row.id} release identity in MQ does not match its durable snapshot` };
  }
  const snapshot = row.executable_snapshot?.executable;
  const action = (snapshot?.action as ActionRow | undefined) ?? (await findAction(deps.db, row.action, row.action_ref));
  if (!action) return invalid(`Failed to prepare execution context: Not found: Action with ref=${row.action_ref}`);
  const runtime =
    (snapshot?.runtime as RuntimeRow | null | undefined) ?? (action.runtime !== null ? await findRuntime(deps.db, action.runtime) : null);

  const config = row.config ?? {};
  if (typeof config !== 'object' || Array.isArray(config)) return invalid('Failed to prepare execution context: Validation error: Execution config must be an object');
  const parameters = structuredClone(config) as Record<string, unknown>;
  try {
    await restoreSecrets(deps, row.id, parameters);
  } catch (err) {
    return invalid(`Failed to prepare execution context: Internal error: Failed to restore secret parameters for execution ${row.id}: ${(err as Error).message}`);
  }
  const executionEnv = stringMap(row.env_vars);
  if (executionEnv === null) return invalid('Failed to prepare execution context: Validation error: Execution env_vars must be an object with string values');

  const timeoutSeconds = effectiveTimeout(row, action, deps.defaultTimeoutSeconds);
  const executionConfig = await versionedExecutionConfig(deps, row, runtime, action.runtime_version_constraint ?? null, input.workerId);
  const spec: RunSpec = {
    v: 1,
    executionId: row.id,
    actionRef: row.action_ref,
    packRef: packRefOf(row.action_ref),
    releaseDigest: row.pack_release_digest,
    entrypoint: action.entrypoint,
    isAdhoc: action.is_adhoc,
    runtimeName: runtime ? runtime.name.toLowerCase() : null,
    executionConfig,
    parameters,
    parameterDelivery: action.parameter_delivery.toLowerCase() as ParameterDelivery,
    parameterFormat: action.parameter_format.toLowerCase() as ParameterFormat,
    timeoutSeconds,
    contextEnv: await contextEnv(deps, row, parameters),
    executionEnv: Object.fromEntries(Object.entries(executionEnv).filter(([k]) => ENV_NAME.test(k) && !k.startsWith('ATTUNE_'))),
    runtimeVersionConstraint: action.runtime_version_constraint ?? null,
  };
  if (row.permission_set_refs.length > 0) {
    if (row.executor === null) return invalid(`Failed to prepare execution context: Permission denied: Execution ${row.id} has no executor identity for API access`);
    const executor = row.executor;
    const parentId = row.workflow_task?.workflow_execution;
    const parentActionRef = typeof parentId === 'number' ? (await loadExecution(deps.db, parentId))?.action_ref : null;
    spec.contextEnv.ATTUNE_API_TOKEN = mintExecutionToken({ ...row, executor }, timeoutSeconds, deps.jwtSecret ?? ATTUNE_DEFAULT_JWT_SECRET, { parentActionRef });
  }
  return { v: 1, kind: 'ready', spec, outputFormat: action.output_format.toLowerCase() as OutputFormat };
}

/**
 * The runtime's execution_config, or a registered version's full override when the worker advertises a
 * version that fits the action's constraint (Attune's selection, from the snapshot when there is one).
 */
async function versionedExecutionConfig(
  deps: PrepareDeps,
  row: ExecutionRow,
  runtime: RuntimeRow | null,
  constraint: string | null,
  workerId: number,
): Promise<RuntimeExecutionConfig> {
  const base = (runtime?.execution_config ?? {}) as RuntimeExecutionConfig;
  if (!runtime) return base;
  const snapshotVersions = row.executable_snapshot?.executable?.runtime_versions as RuntimeVersionDbRow[] | undefined;
  const versions = snapshotVersions ?? (await findRuntimeVersions(deps.db, runtime.id));
  if (versions.length === 0) return base;
  const names = [...new Set([runtime.name, ...runtime.aliases].map(normalizeRuntimeName))];
  const chosen = selectRuntimeVersion(versions, await advertisedVersions(deps.db, workerId, names), constraint);
  return chosen ? (chosen.execution_config as RuntimeExecutionConfig) : base;
}

/** Puts the decrypted secret parameters back into the parameters, as Attune's worker does. */
async function restoreSecrets(deps: PrepareDeps, executionId: number, parameters: Record<string, unknown>): Promise<void> {
  const secrets = await findExecutionConfigSecrets(deps.db, executionId);
  if (secrets.length === 0) return;
  const key = deps.encryptionKey;
  if (!key) throw new Error('No encryption key configured');
  const hash = attuneKeyHash(key);
  for (const secret of secrets) {
    if (secret.encryption_key_hash !== null && secret.encryption_key_hash !== hash) throw new Error(`Encryption error: Encryption key hash mismatch for secret path '${secret.json_path}'`);
    if (typeof secret.encrypted_value !== 'string') throw new Error(`Secret at '${secret.json_path}' is not an encrypted string`);
    setAtPointer(parameters, secret.json_path, decryptAttuneJson(secret.encrypted_value, key));
  }
}

export const packRefOf = (actionRef: string) => actionRef.split('.')[0]!;

/** First positive of: execution, workflow task, action, configured default (§3.8). */
export function effectiveTimeout(row: Pick<ExecutionRow, 'timeout_seconds' | 'workflow_task'>, action: Pick<ActionRow, 'timeout_seconds'>, fallback: number): number {
  for (const candidate of [row.timeout_seconds, row.workflow_task?.timeout_seconds, action.timeout_seconds]) {
    if (typeof candidate === 'number' && candidate > 0) return candidate;
  }
  return fallback;
}

/**
 * A name the child could receive as named: `A=B` would set `A` to `B=…`, an empty name nothing. Dropped like
 * Attune's reserved ATTUNE_* names (Attune's worker passes them through as they are).
 */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function stringMap(value: unknown): Record<string, string> | null {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) return null;
  const entries = Object.entries(value as Record<string, unknown>);
  return entries.every(([, v]) => typeof v === 'string') ? (Object.fromEntries(entries) as Record<string, string>) : null;
}

async function contextEnv(deps: PrepareDeps, row: ExecutionRow, params: Record<string, unknown>): Promise<Record<string, string>> {
  const env: Record<string, string> = {
    ATTUNE_EXEC_ID: String(row.id),
    ATTUNE_ACTION: row.action_ref,
    ATTUNE_API_URL: deps.apiUrl.replace('://0.0.0.0', '://127.0.0.1').replace('://[::]', '://127.0.0.1'),
    ATTUNE_PACK_REF: packRefOf(row.action_ref),
  };
  if (row.pack_release_digest) env.ATTUNE_PACK_RELEASE_DIGEST = row.pack_release_digest;
  if (row.trace_tag) env.ATTUNE_TRACE_TAG = row.trace_tag;
  if (row.enforcement !== null) {
    const refs = await findEnforcementRefs(deps.db, row.enforcement);
    if (refs) Object.assign(env, { ATTUNE_RULE: refs.rule_ref, ATTUNE_TRIGGER: refs.trigger_ref });
  }
  const context = params.context;
  if (context !== null && typeof context === 'object' && !Array.isArray(context)) {
    for (const [key, value] of Object.entries(context)) env[`ATTUNE_CONTEXT_${key.toUpperCase()}`] = scalarText(value);
  }
  return env;
}
