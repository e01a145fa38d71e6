import { Context } from '@temporalio/activity';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DetectedRuntime, RunOutcome, RunSpec } from '../src/temporal/contracts';
import { applyRuntimeEnvVars } from './child-env';
import { formatParameters, shellHelperScript } from '../src/attune/parameter-passing';
import { executionLogPaths } from '../src/attune/artifact-layout';
import { startProcess } from './process-runner';
import { resolveCommand } from './resolve-command';
import { readyInterpreter } from './environment';
import type { KillRegistry } from './kill-registry';

export interface RunActionDeps {
  agentId: string;
  packsBaseDir: string;
  runtimeEnvsDir: string;
  artifactsDir: string;
  /** The image's environment without the agent's own settings. */
  baseEnv: Record<string, string>;
  detected: DetectedRuntime[];
  kills: KillRegistry;
  killGraceMs: number;
  /** Set when the agent is shutting down: running actions end `agent_shutdown`, not `cancelled`. */
  isShuttingDown: () => boolean;
}

const HEARTBEAT_EVERY_MS = 1000;

/**
 * Runs one action: resolve the command, deliver parameters, capture output into the shared artifacts
 * volume, heartbeat progress, and report what happened as a small value (never the output itself).
 */
export async function runAction(deps: RunActionDeps, spec: RunSpec): Promise<RunOutcome> {
  const ctx = Context.current();
  const controller = deps.kills.register(spec.executionId);
  // Temporal's own cancellation (workflow terminated, heartbeat timeout, worker shutdown) also stops it.
  const onTemporalCancel = () => controller.abort();
  ctx.cancellationSignal.addEventListener('abort', onTemporalCancel, { once: true });
  const scratch = await mkdtemp(path.join(os.tmpdir(), `attune-exec-${spec.executionId}-`));
  const base = (): Omit<RunOutcome, 'kind'> => ({ v: 1, exitCode: -1, durationMs: 0, stdout: null, stderr: null, error: null, agentId: deps.agentId });
  try {
    let command;
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
      await writeFile(paramFile, paramsText, { mode: 0o400 });
      deliveryEnv.ATTUNE_PARAMETER_FILE = paramFile;
    }
    const args = [...command.args];
    if (command.inlineScript) {
      const scriptFile = path.join(scratch, `exec_${spec.executionId}${command.inlineScript.extension}`);
      const { code, injectShellHelpers } = command.inlineScript;
      await writeFile(scriptFile, injectShellHelpers ? shellHelperScript(spec.parameters, code) : code, { mode: 0o500 });
      await chmod(scriptFile, 0o500);
      args.push(scriptFile);
      if (injectShellHelpers) stdin = null; // the wrapper carries the parameters
    }
    const context = { ...spec.contextEnv, ATTUNE_ARTIFACTS_DIR: deps.artifactsDir, ATTUNE_RUNTIME_ENVS_DIR: deps.runtimeEnvsDir };
    const env = {
      ...applyRuntimeEnvVars({ ...deps.baseEnv, ...context }, spec.executionConfig.env_vars, command.templateVars),
      ...deliveryEnv,
      ...spec.executionEnv,
      ...context,
    };
    const logs = executionLogPaths(deps.artifactsDir, spec.executionId);
    const running = startProcess({
      file: command.file,
      args,
      cwd: command.cwd,
      env,
      stdin,
      stdoutPath: logs.stdout,
      stderrPath: logs.stderr,
      timeoutMs: spec.timeoutSeconds * 1000,
      killGraceMs: deps.killGraceMs,
      signal: controller.signal,
    });
    const beat = setInterval(() => ctx.heartbeat(running.progress()), HEARTBEAT_EVERY_MS);
    ctx.heartbeat(running.progress());
    try {
      const result = await running.result;
      const kind = result.kind === 'cancelled' && deps.isShuttingDown() ? 'agent_shutdown' : result.kind;
      const error = kind === 'timed_out' ? `Execution timed out after ${spec.timeoutSeconds} seconds` : result.error;
      return { ...base(), ...result, kind, error };
    } finally {
      clearInterval(beat);
    }
  } finally {
    ctx.cancellationSignal.removeEventListener('abort', onTemporalCancel);
    deps.kills.unregister(spec.executionId);
    await rm(scratch, { recursive: true, force: true });
  }
}
