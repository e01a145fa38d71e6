import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DetectedRuntime, RunOutcome, RunProgress, RunSpec } from '../src/temporal/contracts';
import { applyRuntimeEnvVars } from './child-env';
import { formatParameters, shellHelperScript } from '../src/attune/parameter-passing';
import { executionLogPaths } from '../src/attune/artifact-layout';
import { readClaimCheck } from '../src/temporal/claim-check';
import type { CodecKey, EncryptionCodec } from '../src/temporal/payload-codec';
import { openParts } from '../src/temporal/sealed-parts';
import { startProcess } from './process-runner';
import { resolveCommand } from './resolve-command';
import { readyInterpreter } from './environment';
import { finalizeArtifacts } from './finalize-artifacts';
import type { KillRegistry } from './kill-registry';
import type { RunRegistry, TrackedRun } from './run-registry';
import type { ActionIdentity } from './agent/action-identity';
import { createFresh, ensureAgentDir, handOver, LOG_FILE_MODE, makeScratchDir, openExecutionDir, writeActionFile, type ExecutionDir } from './execution-files';

export interface RunActionDeps {
  agentId: string;
  packsBaseDir: string;
  runtimeEnvsDir: string;
  artifactsDir: string;
  /** The image's environment without the agent's own settings. */
  baseEnv: Record<string, string>;
  detected: DetectedRuntime[];
  kills: KillRegistry;
  runs: RunRegistry;
  /** Opens claim-checked parameters (the payload codec's keys). */
  codec: EncryptionCodec;
  /** The agent's pool and that pool's keys: they open run specs the bridge sealed for the pool (none: unsealed only). */
  pool: string;
  poolKeys: readonly CodecKey[];
  killGraceMs: number;
  /** Set when the agent is shutting down: running actions end `agent_shutdown`, not `cancelled`. */
  isShuttingDown: () => boolean;
  /** The uid/gid actions run as (agent/action-identity.ts); null or absent: the agent's own. */
  actionIdentity?: ActionIdentity;
}

const HEARTBEAT_EVERY_MS = 1000;
/** Artifact entries reported with the outcome; more are left out (the files stay on the volume). */
const MAX_REPORTED_ARTIFACTS = 500;
const NO_PROGRESS: RunProgress = { stdoutBytes: 0, stderrBytes: 0, lastLine: '', pid: null };

/**
 * Runs one action: resolve the command, deliver parameters, capture output into the shared artifacts
 * volume, heartbeat progress, and report what happened as a small value (never the output itself). With
 * `spec.attach` it follows the run this agent already has for the execution; it starts one only with
 * `spec.startIfNeverSeen` and only when this agent process never received a run of the execution.
 */
export async function runAction(deps: RunActionDeps, spec: RunSpec): Promise<RunOutcome> {
  if (spec.attach) {
    const tracked = deps.runs.attach(spec.executionId);
    if (tracked) return follow(deps, spec, tracked);
    // The first task was lost between the server and this agent (a cut as its poll was answered): the server
    // saw it started, the agent never did. Nothing ran, so running it now is the first and only run.
    if (spec.startIfNeverSeen !== true || deps.runs.hasSeen(spec.executionId)) {
      throw ApplicationFailure.nonRetryable(`Agent ${deps.agentId} has no run of execution ${spec.executionId} to re-attach to`, 'RunNotFound');
    }
    log.warn('the run never reached this agent (its task was lost in transit): starting it now', { executionId: spec.executionId });
  }
  const controller = deps.kills.register(spec.executionId);
  let progress: () => RunProgress = () => NO_PROGRESS;
  const tracked: TrackedRun = {
    outcome: performRun(deps, spec, controller, (p) => (progress = p)),
    progress: () => progress(),
    stop: () => controller.abort(),
  };
  deps.runs.track(spec.executionId, tracked);
  return follow(deps, spec, tracked);
}

/**
 * Heartbeats the run's progress until it ends. Temporal's cancellation (heartbeat timeout, worker shutdown)
 * stops the process — except that a reattachable run whose heartbeats were lost keeps it: the workflow
 * re-attaches by execution id, and a run nobody re-attaches to is stopped after the window.
 */
async function follow(deps: RunActionDeps, spec: RunSpec, tracked: TrackedRun): Promise<RunOutcome> {
  const ctx = Context.current();
  let detached!: (err: unknown) => void;
  const lost = new Promise<never>((_, reject) => (detached = reject));
  lost.catch(() => undefined);
  const onCancel = () => {
    const details = ctx.cancellationDetails;
    if (spec.reattachable && (details?.timedOut || details?.notFound)) {
      deps.runs.detach(spec.executionId);
      detached(ApplicationFailure.retryable(`run of execution ${spec.executionId} detached: its heartbeats were lost`, 'RunDetached'));
    } else {
      tracked.stop();
    }
  };
  ctx.cancellationSignal.addEventListener('abort', onCancel, { once: true });
  // The first heartbeat goes out after a second: a short action finishes without any.
  const beat = setInterval(() => ctx.heartbeat(tracked.progress()), HEARTBEAT_EVERY_MS);
  try {
    return await Promise.race([tracked.outcome, lost]);
  } finally {
    clearInterval(beat);
    ctx.cancellationSignal.removeEventListener('abort', onCancel);
  }
}

async function performRun(deps: RunActionDeps, given: RunSpec, controller: AbortController, onStarted: (progress: () => RunProgress) => void): Promise<RunOutcome> {
  const identity = deps.actionIdentity ?? null;
  const scratch = await makeScratchDir(given.executionId);
  let scriptFile: string | null = null;
  let executionDir: ExecutionDir | null = null;
  const base = (): Omit<RunOutcome, 'kind'> => ({ v: 1, exitCode: -1, durationMs: 0, stdout: null, stderr: null, error: null, agentId: deps.agentId });
  try {
    let spec = given;
    let command;
    try {
      if (given.parametersRef) spec = { ...given, ...(await readClaimCheck(deps.artifactsDir, given.parametersRef, deps.codec)) };
      if (spec.sealed) spec = { ...spec, ...openParts(spec.sealed, spec.executionId, deps.pool, deps.poolKeys), sealed: null };
    } catch (err) {
      return { ...base(), kind: 'spawn_failed', error: `Parameters could not be read: ${(err as Error).message}` };
    }
    try {
      const env = await readyInterpreter(spec, deps);
      command = resolveCommand(spec, { packsBaseDir: deps.packsBaseDir, pathVar: deps.baseEnv.PATH, detected: deps.detected, env });
    } catch (err) {
      return { ...base(), kind: 'spawn_failed', error: (err as Error).message };
    }
    const paramsText = formatParameters(spec.parameters, spec.parameterFormat);
    const deliveryEnv: Record<string, string> = {
      ATTUNE_PARAMETER_DELIVERY: spec.parameterDelivery,
      ATTUNE_PARAMETER_FORMAT: spec.parameterFormat,
    };
    let stdin: string | null = spec.parameterDelivery === 'stdin' ? paramsText : null;
    if (spec.parameterDelivery === 'file') {
      const paramFile = path.join(scratch, `params.${spec.parameterFormat === 'dotenv' ? 'env' : spec.parameterFormat}`);
      await writeActionFile(paramFile, paramsText, 0o400, identity);
      deliveryEnv.ATTUNE_PARAMETER_FILE = paramFile;
    }
    await handOver(scratch, identity);
    const args = [...command.args];
    if (command.inlineScript) {
      // Attune's name and place: <tmp>/attune/inline_actions/exec_<id>_<6 random chars><ext>, created exclusively.
      try {
        const inlineDir = await ensureAgentDir(os.tmpdir(), ['attune', 'inline_actions']);
        scriptFile = path.join(inlineDir, `exec_${spec.executionId}_${randomBytes(3).toString('hex')}${command.inlineScript.extension}`);
        const { code, injectShellHelpers } = command.inlineScript;
        await writeActionFile(scriptFile, injectShellHelpers ? shellHelperScript(spec.parameters, code) : code, 0o500, identity);
        if (injectShellHelpers) stdin = null; // the wrapper carries the parameters
      } catch (err) {
        return { ...base(), kind: 'spawn_failed', error: `Inline script could not be written: ${(err as Error).message}` };
      }
      args.push(scriptFile);
    }
    const context = { ...spec.contextEnv, ATTUNE_ARTIFACTS_DIR: deps.artifactsDir, ATTUNE_RUNTIME_ENVS_DIR: deps.runtimeEnvsDir };
    const env = {
      ...applyRuntimeEnvVars({ ...deps.baseEnv, ...context }, spec.executionConfig.env_vars, command.templateVars),
      ...deliveryEnv,
      ...spec.executionEnv,
      ...context,
    };
    const logs = executionLogPaths(deps.artifactsDir, spec.executionId);
    try {
      executionDir = await openExecutionDir(deps.artifactsDir, spec.executionId);
    } catch (err) {
      return { ...base(), kind: 'spawn_failed', error: (err as Error).message };
    }
    const via = executionDir.base;
    const running = startProcess({
      file: command.file,
      args,
      cwd: command.cwd,
      env,
      stdin,
      stdoutPath: logs.stdout,
      stderrPath: logs.stderr,
      createLog: (file) => createFresh(path.join(via, path.basename(file)), LOG_FILE_MODE),
      identity,
      timeoutMs: spec.timeoutSeconds * 1000,
      killGraceMs: deps.killGraceMs,
      signal: controller.signal,
    });
    onStarted(() => running.progress());
    const result = await running.result;
    const kind = result.kind === 'cancelled' && deps.isShuttingDown() ? 'agent_shutdown' : result.kind;
    const error = kind === 'timed_out' ? `Execution timed out after ${spec.timeoutSeconds} seconds` : result.error;
    // The current workflow (reattachable runs) takes the checksums from here; the first release's runs its own
    // finalizeArtifacts step, so computing them twice is avoided.
    const artifacts = given.reattachable ? await artifactsOf(deps.artifactsDir, spec.executionId) : undefined;
    return { ...base(), ...result, kind, error, ...(artifacts !== undefined ? { artifacts } : {}) };
  } finally {
    await executionDir?.close();
    deps.kills.unregister(given.executionId);
    await rm(scratch, { recursive: true, force: true });
    if (scriptFile) await rm(scriptFile, { force: true });
  }
}

/** Sizes and checksums of what the execution left, reported with its outcome; null when they cannot be read. */
async function artifactsOf(artifactsDir: string, executionId: number): Promise<RunOutcome['artifacts']> {
  try {
    return (await finalizeArtifacts(artifactsDir, executionId)).files.slice(0, MAX_REPORTED_ARTIFACTS);
  } catch {
    return null;
  }
}
