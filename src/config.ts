import os from 'node:os';
import { z } from 'zod';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { ConfigError } from './errors';

/**
 * All settings come from the environment, with Attune's own variable names where Attune has one.
 * Each process parses only the part it needs, so an agent never requires database or broker settings.
 */
type Env = Record<string, string | undefined>;

const url = (protocols: string[]) =>
  z.string().refine((v) => protocols.some((p) => v.startsWith(`${p}://`)), {
    message: `must be a URL starting with ${protocols.map((p) => `${p}://`).join(' or ')}`,
  });
const positiveInt = z.coerce.number().int().positive();
const csv = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s.length > 0));
const csvRaw = z.string().transform((v) => v.split(',').map((s) => s.trim()).filter((s) => s.length > 0));
/** `claim=value`: the JWT claim must equal the value, or contain it when the claim is a list (e.g. `groups`). */
const requiredClaim = z.string().transform((v, ctx) => {
  const eq = v.indexOf('=');
  if (eq <= 0 || eq === v.length - 1) {
    ctx.addIssue({ code: 'custom', message: 'expected claim=value, e.g. groups=attune-operators' });
    return z.NEVER;
  }
  return { name: v.slice(0, eq).trim(), value: v.slice(eq + 1).trim() };
});
const labels = z.string().transform((v, ctx) => {
  const out: Record<string, string> = {};
  for (const pair of v.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      ctx.addIssue({ code: 'custom', message: `label "${pair}" is not key=value` });
      return z.NEVER;
    }
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
});

function definedOnly(env: Env): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

function parse<S extends z.ZodObject>(schema: S, env: Env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const variable = String(issue.path[0] ?? '?');
  const shown = env[variable] === undefined ? 'is not set' : issue.message;
  throw new ConfigError(`${variable} ${shown === 'is not set' ? shown : `is invalid: ${shown}`}`);
}

const temporalSchema = z.object({
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  ATTUNE_TEMPORAL_BRIDGE_QUEUE: z.string().min(1).default('attune-bridge'),
});

export interface TemporalConfig {
  connection: NativeConnectionOptions;
  namespace: string;
  bridgeTaskQueue: string;
}

/** Temporal settings follow Temporal's own conventions (TEMPORAL_ADDRESS, TLS, API key, profiles). */
export function loadTemporalConfig(env: Env = process.env): TemporalConfig {
  const own = parse(temporalSchema, env);
  let loaded;
  try {
    loaded = loadClientConnectConfig({ overrideEnvVars: definedOnly(env) });
  } catch (err) {
    throw new ConfigError(`TEMPORAL_* settings are invalid: ${(err as Error).message}`);
  }
  // 127.0.0.1 rather than localhost: an image without /etc/hosts cannot resolve localhost.
  const connection = { ...loaded.connectionOptions, address: loaded.connectionOptions.address ?? '127.0.0.1:7233' };
  if (!/^[^:\s]+:\d+$/.test(connection.address) && !/^\[[0-9a-f:]+\]:\d+$/i.test(connection.address)) {
    throw new ConfigError(`TEMPORAL_ADDRESS is invalid: expected host:port, got "${connection.address}"`);
  }
  return { connection, namespace: loaded.namespace ?? own.TEMPORAL_NAMESPACE, bridgeTaskQueue: own.ATTUNE_TEMPORAL_BRIDGE_QUEUE };
}

const tracingSchema = z.object({
  OTEL_EXPORTER_OTLP_ENDPOINT: url(['http', 'https']).optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url(['http', 'https']).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  OTEL_SDK_DISABLED: z.enum(['true', 'false']).optional(),
});

/** Present only when traces are exported: the OTLP/HTTP exporter reads the other OTEL_EXPORTER_OTLP_* settings itself. */
export interface TracingConfig {
  serviceName: string;
  /** Where spans go, as the exporter resolves it (the traces endpoint as is, the general one + /v1/traces). */
  endpoint: string;
}

/** Tracing is off unless one of the standard OTLP endpoints is set (an empty value counts as unset). */
export function loadTracingConfig(env: Env, defaultServiceName: string): TracingConfig | null {
  const set = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('OTEL_') && v !== ''));
  const c = parse(tracingSchema, set);
  if (c.OTEL_SDK_DISABLED === 'true') return null;
  const endpoint = c.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (c.OTEL_EXPORTER_OTLP_ENDPOINT && `${c.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`);
  return endpoint ? { serviceName: c.OTEL_SERVICE_NAME ?? defaultServiceName, endpoint } : null;
}

/** host:port for the Temporal SDK's own Prometheus endpoint (off unless set). */
const sdkMetricsAddress = z.string().regex(/^\S+:\d{1,5}$/, 'use host:port, e.g. 0.0.0.0:9464').optional();

const bridgeSchema = z.object({
  ATTUNE__DATABASE__URL: url(['postgres', 'postgresql']),
  ATTUNE__DATABASE__SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/).default('attune'),
  ATTUNE__MESSAGE_QUEUE__URL: url(['amqp', 'amqps']),
  ATTUNE__ARTIFACTS_DIR: z.string().min(1).default('/opt/attune/artifacts'),
  ATTUNE__SECURITY__ENCRYPTION_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  ATTUNE__SECURITY__JWT_SECRET: z.string().min(1).optional(),
  ATTUNE_API_URL: z.string().optional(),
  ATTUNE__WORKER__MAX_CONCURRENT_TASKS: positiveInt.default(10),
  ATTUNE__WORKER__DEFAULT_EXECUTION_TIMEOUT_SECONDS: positiveInt.default(600),
  ATTUNE_TEMPORAL_PARKING_QUEUE: z.string().min(1).default('attune-temporal.parked'),
  ATTUNE_TEMPORAL_POOL_SYNC_SECONDS: positiveInt.default(10),
  ATTUNE_TEMPORAL_RECONCILE_SECONDS: positiveInt.default(60),
  // A pool with no live agent, no open execution and no change for this long is detached (its consumers stop):
  // channels are a broker-wide budget (4 per attached pool). It is attached again when an agent of it appears.
  ATTUNE_TEMPORAL_POOL_DETACH_SECONDS: z.coerce.number().int().min(1).default(600),
  ATTUNE_TEMPORAL_WORKFLOW_BUNDLE: z.string().min(1).optional(),
  // The SDK's default sizes the workflow cache from the heap limit (~600 per GiB); an operator bounds the bridge's
  // memory under a large backlog with a smaller one (evicted workflows are replayed from history when they wake).
  ATTUNE_TEMPORAL_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(2, 'must be at least 2').optional(),
  ATTUNE__AGENT__BINARY_DIR: z.string().min(1).default('/opt/attune/agent'),
  ATTUNE__AGENT__BOOTSTRAP_TOKEN: z.string().min(1).optional(),
  ATTUNE_TEMPORAL_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8099),
  ATTUNE_TEMPORAL_HTTP_HOST: z.string().min(1).default('0.0.0.0'),
  ATTUNE_TEMPORAL_CODEC_TOKENS: csvRaw.default([]),
  ATTUNE_TEMPORAL_CODEC_CORS_ORIGINS: csvRaw.default(['http://127.0.0.1:8233', 'http://localhost:8233']),
  ATTUNE_TEMPORAL_CODEC_AUTH: z.enum(['tokens', 'oidc', 'proxy']).default('tokens'),
  ATTUNE_TEMPORAL_CODEC_PATH_TOKENS: z.enum(['true', 'false']).default('false'),
  ATTUNE_TEMPORAL_CODEC_OIDC_ISSUER: url(['https', 'http']).optional(),
  ATTUNE_TEMPORAL_CODEC_OIDC_AUDIENCE: z.string().min(1).optional(),
  ATTUNE_TEMPORAL_CODEC_OIDC_JWKS_URL: url(['https', 'http']).optional(),
  ATTUNE_TEMPORAL_CODEC_OIDC_REQUIRED_CLAIM: requiredClaim.optional(),
  ATTUNE_TEMPORAL_CODEC_PROXY_USER_HEADER: z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be an HTTP header name').optional(),
  ATTUNE_TEMPORAL_CODEC_PROXY_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  ATTUNE_TEMPORAL_SDK_METRICS_ADDRESS: sdkMetricsAddress,
});

export type BridgeConfig = ReturnType<typeof loadBridgeConfig>;

/** How the codec endpoint authenticates the person behind a Temporal UI request (bridge/codec-auth.ts). */
export type CodecAuthConfig =
  | { mode: 'tokens'; tokens: string[]; pathTokens: boolean }
  | { mode: 'oidc'; issuer: string; audience: string; jwksUrl?: string; requiredClaim?: { name: string; value: string } }
  | { mode: 'proxy'; userHeader: string; secret: string };

function need<T>(value: T | undefined, variable: string, mode: string): T {
  if (value === undefined) throw new ConfigError(`${variable} is not set (required with ATTUNE_TEMPORAL_CODEC_AUTH=${mode})`);
  return value;
}

function codecAuthConfig(c: z.infer<typeof bridgeSchema>): CodecAuthConfig {
  const pathTokens = c.ATTUNE_TEMPORAL_CODEC_PATH_TOKENS === 'true';
  // The path form is a local-dev convenience for static tokens; with a person's identity it would make no sense.
  if (pathTokens && c.ATTUNE_TEMPORAL_CODEC_AUTH !== 'tokens') {
    throw new ConfigError(`ATTUNE_TEMPORAL_CODEC_PATH_TOKENS is invalid: only with ATTUNE_TEMPORAL_CODEC_AUTH=tokens, not ${c.ATTUNE_TEMPORAL_CODEC_AUTH}`);
  }
  switch (c.ATTUNE_TEMPORAL_CODEC_AUTH) {
    case 'tokens':
      return { mode: 'tokens', tokens: c.ATTUNE_TEMPORAL_CODEC_TOKENS, pathTokens };
    case 'oidc':
      return {
        mode: 'oidc',
        issuer: need(c.ATTUNE_TEMPORAL_CODEC_OIDC_ISSUER, 'ATTUNE_TEMPORAL_CODEC_OIDC_ISSUER', 'oidc'),
        audience: need(c.ATTUNE_TEMPORAL_CODEC_OIDC_AUDIENCE, 'ATTUNE_TEMPORAL_CODEC_OIDC_AUDIENCE', 'oidc'),
        jwksUrl: c.ATTUNE_TEMPORAL_CODEC_OIDC_JWKS_URL,
        requiredClaim: c.ATTUNE_TEMPORAL_CODEC_OIDC_REQUIRED_CLAIM,
      };
    case 'proxy':
      return {
        mode: 'proxy',
        userHeader: need(c.ATTUNE_TEMPORAL_CODEC_PROXY_USER_HEADER, 'ATTUNE_TEMPORAL_CODEC_PROXY_USER_HEADER', 'proxy'),
        secret: need(c.ATTUNE_TEMPORAL_CODEC_PROXY_SECRET, 'ATTUNE_TEMPORAL_CODEC_PROXY_SECRET', 'proxy'),
      };
  }
}

export function loadBridgeConfig(env: Env = process.env) {
  const c = parse(bridgeSchema, env);
  return {
    databaseUrl: c.ATTUNE__DATABASE__URL,
    databaseSchema: c.ATTUNE__DATABASE__SCHEMA,
    messageQueueUrl: c.ATTUNE__MESSAGE_QUEUE__URL,
    artifactsDir: c.ATTUNE__ARTIFACTS_DIR,
    encryptionKey: c.ATTUNE__SECURITY__ENCRYPTION_KEY,
    jwtSecret: c.ATTUNE__SECURITY__JWT_SECRET,
    apiUrl: c.ATTUNE_API_URL ?? 'http://127.0.0.1:8080',
    maxConcurrentTasks: c.ATTUNE__WORKER__MAX_CONCURRENT_TASKS,
    defaultTimeoutSeconds: c.ATTUNE__WORKER__DEFAULT_EXECUTION_TIMEOUT_SECONDS,
    parkingQueue: c.ATTUNE_TEMPORAL_PARKING_QUEUE,
    poolSyncSeconds: c.ATTUNE_TEMPORAL_POOL_SYNC_SECONDS,
    reconcileSeconds: c.ATTUNE_TEMPORAL_RECONCILE_SECONDS,
    poolDetachSeconds: c.ATTUNE_TEMPORAL_POOL_DETACH_SECONDS,
    workflowBundle: c.ATTUNE_TEMPORAL_WORKFLOW_BUNDLE,
    maxCachedWorkflows: c.ATTUNE_TEMPORAL_MAX_CACHED_WORKFLOWS,
    agentBinary: { binaryDir: c.ATTUNE__AGENT__BINARY_DIR, bootstrapToken: c.ATTUNE__AGENT__BOOTSTRAP_TOKEN },
    httpPort: c.ATTUNE_TEMPORAL_HTTP_PORT,
    httpHost: c.ATTUNE_TEMPORAL_HTTP_HOST,
    codecAuth: codecAuthConfig(c),
    corsOrigins: c.ATTUNE_TEMPORAL_CODEC_CORS_ORIGINS,
    sdkMetricsAddress: c.ATTUNE_TEMPORAL_SDK_METRICS_ADDRESS,
    tracing: loadTracingConfig(env, 'attune-bridge'),
    temporal: loadTemporalConfig(env),
  };
}

/** `UID:GID` (numbers) or `same`. */
const actionUser = z.string().transform((v, ctx) => {
  if (v === 'same') return { kind: 'same' as const };
  const m = /^(\d{1,10}):(\d{1,10})$/.exec(v);
  const uid = Number(m?.[1]);
  const gid = Number(m?.[2]);
  if (!m || uid > 0xfffffffe || gid > 0xfffffffe) {
    ctx.addIssue({ code: 'custom', message: 'use UID:GID (numbers, e.g. 65534:65534) or same' });
    return z.NEVER;
  }
  return { kind: 'user' as const, uid, gid };
});

const agentSchema = z.object({
  ATTUNE_WORKER_NAME: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" and "-"').optional(),
  ATTUNE_WORKER_RUNTIMES: csv.optional(),
  ATTUNE__WORKER__LABELS: labels.optional(),
  ATTUNE__PACKS_BASE_DIR: z.string().min(1).default('/opt/attune/packs'),
  ATTUNE__RUNTIME_ENVS_DIR: z.string().min(1).default('/opt/attune/runtime_envs'),
  ATTUNE__ARTIFACTS_DIR: z.string().min(1).default('/opt/attune/artifacts'),
  ATTUNE__WORKER__MAX_CONCURRENT_TASKS: positiveInt.default(10),
  // How long running actions may go on after SIGTERM; 25 s fits Kubernetes' default 30 s termination grace.
  ATTUNE_AGENT_SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).default(25),
  // Who actions run as when the agent may change uid (root, or CAP_SETUID + CAP_SETGID): nobody by default.
  ATTUNE_AGENT_ACTION_USER: actionUser.default({ kind: 'user', uid: 65534, gid: 65534 }),
  // Opt-in on the agent: a port inside an arbitrary image is the operator's choice.
  ATTUNE_TEMPORAL_SDK_METRICS_ADDRESS: sdkMetricsAddress,
});

export type AgentConfig = ReturnType<typeof loadAgentConfig>;

export function loadAgentConfig(env: Env = process.env) {
  const c = parse(agentSchema, env);
  return {
    pool: c.ATTUNE_WORKER_NAME ?? `worker-${os.hostname()}`,
    runtimeOverride: c.ATTUNE_WORKER_RUNTIMES,
    labels: c.ATTUNE__WORKER__LABELS ?? {},
    packsBaseDir: c.ATTUNE__PACKS_BASE_DIR,
    runtimeEnvsDir: c.ATTUNE__RUNTIME_ENVS_DIR,
    artifactsDir: c.ATTUNE__ARTIFACTS_DIR,
    maxConcurrentTasks: c.ATTUNE__WORKER__MAX_CONCURRENT_TASKS,
    shutdownGraceMs: Math.round(c.ATTUNE_AGENT_SHUTDOWN_GRACE_SECONDS * 1000),
    actionUser: c.ATTUNE_AGENT_ACTION_USER,
    tracing: loadTracingConfig(env, 'attune-agent'),
    sdkMetricsAddress: c.ATTUNE_TEMPORAL_SDK_METRICS_ADDRESS,
    temporal: loadTemporalConfig(env),
  };
}

/** Settings for the CLI commands that act like Attune's API/executor (submit). */
export function loadSubmitConfig(env: Env = process.env) {
  const c = parse(bridgeSchema.pick({ ATTUNE__DATABASE__URL: true, ATTUNE__DATABASE__SCHEMA: true, ATTUNE__MESSAGE_QUEUE__URL: true }), env);
  return { databaseUrl: c.ATTUNE__DATABASE__URL, databaseSchema: c.ATTUNE__DATABASE__SCHEMA, messageQueueUrl: c.ATTUNE__MESSAGE_QUEUE__URL };
}
