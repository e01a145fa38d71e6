/**
 * The seam between workflows, the bridge's control-plane activities and the agent's activities.
 * Every input and result carries a version `v` and only ever grows: executions run for days, and old
 * and new bridges and agents must keep understanding each other's payloads.
 * Nothing here may grow with action output: logs travel through the artifacts volume, not Temporal.
 */

export interface ExecutionWorkflowInput {
  v: 1;
  executionId: number;
  workerId: number;
  pool: string;
  /**
   * Only tests set this (test/workflows): shorter waits so the timeout branches run in seconds. Durations are
   * Temporal duration strings ('2s', '500ms'). Absent, or a field absent ⇒ the production value in
   * workflows/options.ts (in parentheses below). Never set by the bridge.
   */
  testTimings?: {
    /** How long a claim waits for a live agent of the pool (claimAgent scheduleToClose, 10m). */
    claimWait?: string;
    /** runAction heartbeat timeout: an agent silent this long was lost (20s). */
    runHeartbeatTimeout?: string;
    /** scheduleToStart on one agent's queue (environment, version check, run, artifacts): then claim again (30s). */
    agentScheduleToStart?: string;
    /** ensureEnvironment heartbeat timeout (1m). */
    environmentHeartbeatTimeout?: string;
    /** killAction scheduleToClose on the agent's control queue (1m). */
    killWait?: string;
    /** scheduleToStart of a re-attach on the agent whose run heartbeats were lost (15s; current workflow only). */
    reattachWait?: string;
    /** Seconds runAction may take beyond the action's timeout before it is timed out (70: kill grace + 60). */
    runGraceSeconds?: number;
  };
}

/**
 * Input of the current execution workflow (WORKFLOW_TYPES.attuneExecution). The bridge starts it eagerly with
 * the dispatch in it; a cancel that beats its dispatch starts it by signal-with-start with `dispatch: null`.
 * The names it uses come from here, never from the workflow's code: they are the deployment's.
 */
export interface AttuneExecutionInput {
  v: 1;
  executionId: number;
  workerId: number;
  pool: string;
  /** The pool's claim queue in this deployment (deploymentNames(bridgeQueue).poolTaskQueue). */
  poolTaskQueue: string;
  dispatch: DispatchSignal | null;
  /** As in ExecutionWorkflowInput: tests only. */
  testTimings?: ExecutionWorkflowInput['testTimings'];
}

export interface DispatchSignal {
  v: 1;
  messageId: string;
  actionRef: string;
  releaseId: number | null;
  releaseDigest: string | null;
}

export interface CancelSignal {
  v: 1;
  messageId: string;
  sourceService: string | null;
}

export type ParameterDelivery = 'stdin' | 'file';
export type ParameterFormat = 'json' | 'dotenv' | 'yaml';
export type OutputFormat = 'text' | 'json' | 'yaml' | 'jsonl';

/** A runtime's `execution_config`, the parts the agent interprets. */
export interface RuntimeExecutionConfig {
  interpreter?: { binary?: string; args?: string[]; file_extension?: string | null };
  inline_execution?: { strategy?: 'direct' | 'temp_file'; extension?: string | null; inject_shell_helpers?: boolean };
  environment?: { env_type?: string; dir_name?: string; create_command?: string[]; interpreter_path?: string | null } | null;
  dependencies?: { manifest_file?: string; install_command?: string[] } | null;
  env_vars?: Record<string, string | { value: string; operation?: 'set' | 'prepend' | 'append'; separator?: string }>;
}

/** Everything the agent needs to run one execution, resolved by the bridge from Attune's rows. */
export interface RunSpec {
  v: 1;
  executionId: number;
  actionRef: string;
  packRef: string;
  releaseDigest: string | null;
  entrypoint: string;
  isAdhoc: boolean;
  runtimeName: string | null;
  executionConfig: RuntimeExecutionConfig;
  parameters: Record<string, unknown>;
  parameterDelivery: ParameterDelivery;
  parameterFormat: ParameterFormat;
  timeoutSeconds: number;
  /** ATTUNE_* context computed from the rows (exec id, action, pack, rule, trigger, context keys…). */
  contextEnv: Record<string, string>;
  /** `execution.env_vars`, applied last (ATTUNE_* keys already removed). */
  executionEnv: Record<string, string>;
  /** The action's runtime_version_constraint (added after v1 shipped; absent from older bridges). */
  runtimeVersionConstraint?: string | null;
  /**
   * Claim-check: set when the parameters and execution env are too large to ride in a payload. They are then
   * `{}` here and live, encrypted, in a file on the artifacts volume that the agent reads and verifies.
   */
  parametersRef?: ParametersRef | null;
  /**
   * Set when the bridge holds a key for the execution's pool (added later): the parameters, execution env and
   * context env (restored secrets, the API token) are sealed to the pool's key and are `{}` above. Only the pool's
   * agents open them; the workflow never reads them. With a claim-check, this lives in the file instead.
   */
  sealed?: SealedParts | null;
  /**
   * runAction only: the current workflow sets `reattachable` on the first call, so a run whose heartbeats were
   * lost keeps its process for a re-attach window; `attach` on the second call collects that process (or its
   * outcome) and never spawns one. Both absent: the first release's behaviour (a lost heartbeat kills).
   */
  reattachable?: boolean;
  attach?: boolean;
  /**
   * With `attach` (added later): when the agent process never received a run of the execution, it starts it
   * instead of answering RunNotFound. The first task was then lost between the server and the agent (a cut as
   * the agent's poll was answered): the server saw it started, nothing ran.
   */
  startIfNeverSeen?: boolean;
}

/** Where a claim-checked RunSpec's parameters are: a path relative to the artifacts volume, its size and digest. */
export interface ParametersRef {
  v: 1;
  path: string;
  bytes: number;
  /** SHA-256 of the encrypted file: a blob that is not the one the bridge wrote is refused. */
  sha256: string;
}

/**
 * A RunSpec's secret-bearing parts, AES-256-GCM under one of the pool's keys, with the execution id and pool bound
 * as associated data: a blob copied onto another execution or pool does not open.
 */
export interface SealedParts {
  v: 1;
  pool: string;
  keyId: string;
  /** Base64 of the 12-byte IV. */
  iv: string;
  /** Base64 of the ciphertext followed by the 16-byte tag. */
  data: string;
}

export interface EnvironmentResult {
  v: 1;
  /** none: the runtime has no environment; built / reused; failed: the action runs with the system interpreter. */
  status: 'none' | 'built' | 'reused' | 'failed';
  key: string | null;
  envDir: string | null;
  /** Exit code and stderr size only, never installer output (it may hold credentials). */
  error: string | null;
  durationMs: number;
}

export interface VersionCheckResult {
  v: 1;
  ok: boolean;
  interpreter: string | null;
  version: string | null;
  constraint: string | null;
  error: string | null;
}

export interface ArtifactFile {
  path: string;
  sizeBytes: number;
  sha256: string;
}

export interface ArtifactsResult {
  v: 1;
  files: ArtifactFile[];
}

/** Size, checksum and tail of one captured stream; the bytes themselves stay in the log file. */
export interface LogSummary {
  path: string;
  /** Bytes the action wrote. */
  totalBytes: number;
  /** Bytes in the file (kept data plus the truncation notice, if any). */
  fileBytes: number;
  truncated: boolean;
  bytesTruncated: number;
  sha256: string;
  /** The last few KB of output, for progress and debugging only. */
  tail: string;
}

export type RunOutcomeKind = 'exited' | 'timed_out' | 'cancelled' | 'spawn_failed' | 'agent_shutdown';

export interface RunOutcome {
  v: 1;
  kind: RunOutcomeKind;
  /** OS exit status; -1 when killed by a signal or never started. */
  exitCode: number;
  durationMs: number;
  stdout: LogSummary | null;
  stderr: LogSummary | null;
  /** Set for spawn failures and stdin write errors. */
  error: string | null;
  agentId: string;
  /** Output was still arriving after the action exited and the finalization bound passed (added later). */
  logsIncomplete?: boolean;
  /** Sizes and checksums of the execution's artifact files, when runAction itself computed them (current workflow). */
  artifacts?: ArtifactFile[] | null;
}

export interface ClaimInput {
  v: 1;
  executionId: number;
  /** Sent by the current workflow: the agent answers with what it already knows about this run (`precheck`). */
  spec?: RunSpec;
}

export interface ClaimResult {
  v: 1;
  agentId: string;
  taskQueue: string;
  controlTaskQueue: string;
  /**
   * What the claiming agent knows, when the claim carried the spec: whether an environment must be built
   * (`needed`) or is ready or not applicable, and the version check's answer when it could be given now
   * (null: no constraint, or it has to wait for the environment).
   */
  precheck?: { environment: 'none' | 'ready' | 'needed'; version: VersionCheckResult | null };
}

export interface RunProgress {
  stdoutBytes: number;
  stderrBytes: number;
  lastLine: string;
  pid: number | null;
}

/** Activities served by every agent of a pool, on the pool's shared queue. */
export interface PoolActivities {
  claimAgent(input: ClaimInput): Promise<ClaimResult>;
}

/** Activities served by one agent process, on its unique queue. */
export interface AgentActivities {
  runAction(spec: RunSpec): Promise<RunOutcome>;
  ensureEnvironment(spec: RunSpec): Promise<EnvironmentResult>;
  verifyRuntimeVersion(spec: RunSpec): Promise<VersionCheckResult>;
  finalizeArtifacts(input: { v: 1; executionId: number }): Promise<ArtifactsResult>;
}

/** Served by one agent process on its control queue, with slots of its own. */
export interface AgentControlActivities {
  killAction(input: { v: 1; executionId: number; reason: 'cancel' }): Promise<{ v: 1; signalled: boolean }>;
  holdPresence(input: { v: 1; agentId: string }): Promise<void>;
}

export type PrepareResult =
  | { v: 1; kind: 'ready'; spec: RunSpec; outputFormat: OutputFormat }
  /**
   * `markRunningFirst`: Attune's worker sets the row `running` (started_at, status message) before it finds this
   * failure while preparing the context (secrets, env vars, API identity…), then fails it; the current workflow
   * does the same. Absent: failed straight from `scheduled` (a release-pin mismatch, found before Attune runs).
   */
  | { v: 1; kind: 'invalid'; error: string; markRunningFirst?: boolean }
  | { v: 1; kind: 'skip'; status: string; reason: string; resetRun?: boolean };

export type BeginResult = { v: 1; kind: 'running' } | { v: 1; kind: 'canceling' } | { v: 1; kind: 'skip'; status: string; resetRun?: boolean };

/**
 * Sent by the current workflow to its bridge steps (added with retries): the run id its start event recorded. A step
 * run by a different run id was called by a run made by Temporal's Reset; a fenced answer then says so
 * (`resetRun`), recorded in the history, so the workflow's retry decision replays exactly (the replayer does not
 * give the workflow the reset run's id).
 */
export interface CallerRun {
  originalRunId?: string;
}

export interface CompleteInput {
  v: 1;
  executionId: number;
  /** What the agent reported; null when no process ran to completion (see `failure`). */
  outcome: RunOutcome | null;
  /** Used when there is no outcome: cancelled before start, preparation failed, no agent, agent lost. */
  failure: { status: 'cancelled' | 'failed'; error: string } | null;
  /** The action's output_format, for parsing stdout into `data`. */
  outputFormat: OutputFormat;
  originalRunId?: string;
  /** The failure is "agent lost" (heartbeats gone, no re-attach): the action may opt in to a retry (max_retries). */
  agentLost?: boolean;
}

export interface CompleteResult {
  v: 1;
  applied: boolean;
  status: string;
  previousStatus: string | null;
  /** The row already held exactly this report (a retried report; in a reset run, the original run's). Added later. */
  reapplied?: boolean;
  /** Not applied, or re-applied, and called by a run made by Reset (see CallerRun). */
  resetRun?: boolean;
}

/** A retry of a final execution, asked by a run made by Temporal's Reset (`manual_retry`). */
export interface RetryInput {
  v: 1;
  executionId: number;
  reason: 'manual_retry';
}

export type RetryResult =
  /** `existed`: the execution had been retried already (one retry per execution: reset the retry's workflow next). */
  | { v: 1; kind: 'created'; retryExecutionId: number; retryCount: number; existed: boolean }
  | { v: 1; kind: 'refused'; reason: string };

/** An interpreter the agent found in its image (name normalised, absolute path, parsed version). */
export interface DetectedRuntime {
  name: string;
  path: string;
  version: string | null;
}

export interface AgentCapabilities {
  runtimes: string[];
  runtime_versions: Record<string, string[]>;
  detected_interpreters: DetectedRuntime[];
  labels: Record<string, string>;
  max_concurrent_executions: number;
}

export interface AgentSessionInput {
  v: 1;
  agentId: string;
  pool: string;
  hostname: string;
  startedAt: string;
  agentVersion: string;
  capabilities: AgentCapabilities;
}

/** Activities served by the bridge (control plane) on its own queue; the only ones touching DB and bus. */
export interface ControlActivities {
  prepareExecution(input: { v: 1; executionId: number; workerId: number; dispatch: DispatchSignal } & CallerRun): Promise<PrepareResult>;
  /** `claimWaitMs`/`pool` (added later, current workflow only): how long the claim took, for the bridge's metrics. */
  beginExecution(input: { v: 1; executionId: number; workerId: number; claimWaitMs?: number; pool?: string } & CallerRun): Promise<BeginResult>;
  completeExecution(input: CompleteInput): Promise<CompleteResult>;
  /** Creates Attune's retry row of a failed or timed-out execution and hands it to Attune's scheduler. */
  retryExecution(input: RetryInput): Promise<RetryResult>;
  syncPools(input: { v: 1; announce?: AgentSessionInput; departed?: string }): Promise<void>;
}
