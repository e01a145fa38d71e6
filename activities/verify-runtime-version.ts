import type { DetectedRuntime, RunSpec, VersionCheckResult } from '../src/temporal/contracts';
import { satisfies } from '../src/attune/version-constraint';
import { readyInterpreter, type EnvironmentDeps } from './environment';
import { interpreterVersion } from './interpreter-version';
import { resolveCommand } from './resolve-command';

/**
 * Checks the interpreter the action will run with against the action's runtime_version_constraint,
 * on demand (the answer is cached per agent and interpreter). A mismatch fails before anything runs.
 */
export async function verifyRuntimeVersion(deps: EnvironmentDeps & { detected: DetectedRuntime[] }, spec: RunSpec): Promise<VersionCheckResult> {
  const constraint = spec.runtimeVersionConstraint ?? null;
  const none: VersionCheckResult = { v: 1, ok: true, interpreter: null, version: null, constraint, error: null };
  if (!constraint || spec.runtimeName === null || spec.runtimeName === 'native') return none;
  let interpreter: string;
  try {
    const env = await readyInterpreter(spec, deps);
    interpreter = env?.interpreter ?? resolveCommand(spec, { packsBaseDir: deps.packsBaseDir, pathVar: deps.baseEnv.PATH, detected: deps.detected }).file;
  } catch (err) {
    return { ...none, ok: false, error: (err as Error).message };
  }
  const version = await interpreterVersion(interpreter, spec.runtimeName, deps.baseEnv);
  let ok: boolean;
  try {
    ok = version !== null && satisfies(version, constraint);
  } catch (err) {
    return { ...none, interpreter, version, ok: false, error: (err as Error).message };
  }
  const error = ok ? null : `Runtime version mismatch: ${spec.runtimeName} ${version ?? '(unknown version)'} at ${interpreter} does not satisfy "${constraint}" required by ${spec.actionRef}`;
  return { v: 1, ok, interpreter, version, constraint, error };
}
