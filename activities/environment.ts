import { Context } from '@temporalio/activity';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { EnvironmentResult, RunSpec } from '../src/temporal/contracts';
import { applyRuntimeEnvVars, applyTemplate } from './child-env';
import { findOnPath } from './agent/find-on-path';
import { packDirectory } from './resolve-command';
import { runSetupCommand } from './setup-command';
import { interpreterVersion } from './interpreter-version';
import { handOver, writeFresh } from './execution-files';
import type { ActionIdentity } from './agent/action-identity';

export const READY_MARKER = '.attune-runtime-ready';
/** Attune's own marker, which tools and people look for: the SHA-256 (hex, no newline) of the dependency manifest. */
export const ATTUNE_DEPS_MARKER = '.attune_deps_installed';
const SETUP_TIMEOUT_MS = 30 * 60_000;

export interface EnvironmentDeps {
  packsBaseDir: string;
  runtimeEnvsDir: string;
  baseEnv: Record<string, string>;
  /** Setup commands run pack code: under the action's uid when it has one (the build dir is handed to it). */
  actionIdentity?: ActionIdentity;
}

/** The libc of the image (not of the agent, which brings its own): a venv is only valid for one. */
export function imageLibc(): 'musl' | 'gnu' | 'other' {
  const names = ['/lib', '/usr/lib', '/lib64'].flatMap((d) => {
    try {
      return readdirSync(d);
    } catch {
      return [];
    }
  });
  if (names.some((n) => n.startsWith('ld-musl-'))) return 'musl';
  if (names.some((n) => n.startsWith('ld-linux'))) return 'gnu';
  return 'other';
}

export interface EnvironmentLocation {
  key: string;
  dir: string;
  interpreter: string;
  manifestPath: string | null;
}

/**
 * Where a pack + runtime environment lives. The key covers everything that makes an environment
 * unusable elsewhere — dependency manifest content, runtime, the real path and version of the base
 * interpreter, OS, arch and libc — so agents built from different images can share the volume and a
 * glibc venv is never handed to an Alpine agent. Null when the runtime has no environment.
 */
export async function environmentLocation(spec: RunSpec, deps: EnvironmentDeps): Promise<EnvironmentLocation | null> {
  const env = spec.executionConfig.environment;
  if (!env || !env.env_type || env.env_type === 'none' || !env.create_command?.length) return null;
  const packDir = packDirectory(deps.packsBaseDir, spec);
  if (!existsSync(packDir)) return null;
  const binary = spec.executionConfig.interpreter?.binary ?? '';
  const found = binary ? findOnPath(binary, deps.baseEnv.PATH) : null;
  const interpreter = found ? realpathSync(found) : binary;
  const manifestFile = spec.executionConfig.dependencies?.manifest_file;
  const manifestPath = manifestFile ? path.join(packDir, manifestFile) : null;
  const manifestDigest = manifestPath && existsSync(manifestPath) ? createHash('sha256').update(readFileSync(manifestPath)).digest('hex') : '';
  const fields = [
    'attune-temporal-env/1',
    spec.packRef,
    spec.releaseDigest ?? '',
    manifestDigest,
    spec.runtimeName ?? '',
    interpreter,
    (found ? await interpreterVersion(found, spec.runtimeName, deps.baseEnv) : null) ?? 'unknown',
    `${process.platform}:${process.arch}:${imageLibc()}`,
  ];
  const hash = createHash('sha256');
  for (const f of fields) hash.update(`${Buffer.byteLength(f)}:${f};`);
  const key = hash.digest('hex');
  return { key, dir: path.join(deps.runtimeEnvsDir, 'sha256', key), interpreter, manifestPath };
}

/** True when the environment at `dir` was completely built for `key`. */
export function isReady(dir: string, key: string): boolean {
  try {
    return readFileSync(path.join(dir, READY_MARKER), 'utf8').trim() === key;
  } catch {
    return false;
  }
}

/**
 * Lazy environment setup on first use of a pack + runtime: build in a temporary sibling directory, write
 * the ready marker, publish with one atomic rename (a concurrent winner is accepted), so two agents never
 * half-build the same environment. A failure is reported (exit code and stderr size only), and the
 * action then runs with the runtime's system interpreter, as Attune does; the next execution retries.
 */
export async function ensureEnvironment(deps: EnvironmentDeps, spec: RunSpec): Promise<EnvironmentResult> {
  const started = Date.now();
  const location = await environmentLocation(spec, deps);
  const result = (status: EnvironmentResult['status'], error: string | null = null): EnvironmentResult => ({
    v: 1,
    status,
    key: location?.key ?? null,
    envDir: location?.dir ?? null,
    error,
    durationMs: Date.now() - started,
  });
  if (!location) return result('none');
  if (isReady(location.dir, location.key)) return result('reused');

  const ctx = Context.current();
  const parent = path.dirname(location.dir);
  const tmp = path.join(parent, `.runtime.${randomUUID()}.tmp`);
  const beat = setInterval(() => ctx.heartbeat({ phase: 'building', envDir: location.dir }), 5000);
  try {
    await mkdir(tmp, { recursive: true });
    await handOver(tmp, deps.actionIdentity ?? null);
    const packDir = packDirectory(deps.packsBaseDir, spec);
    const vars = { pack_dir: packDir, env_dir: tmp, interpreter: location.interpreter, manifest_path: location.manifestPath ?? undefined };
    const setupHome = path.join(tmp, '.attune-setup');
    const env = {
      ...applyRuntimeEnvVars(deps.baseEnv, spec.executionConfig.env_vars, vars),
      HOME: setupHome,
      XDG_CONFIG_HOME: path.join(setupHome, 'config'),
      XDG_CACHE_HOME: path.join(setupHome, 'cache'),
      PIP_CACHE_DIR: path.join(setupHome, 'cache', 'pip'),
      PIP_CONFIG_FILE: '/dev/null',
    };
    const run = (argv: string[]) =>
      runSetupCommand(argv.map((a) => applyTemplate(a, vars)), { cwd: packDir, env, signal: ctx.cancellationSignal, timeoutMs: SETUP_TIMEOUT_MS, identity: deps.actionIdentity });

    const create = await run(spec.executionConfig.environment!.create_command!);
    if (create.spawnError) return result('failed', `Failed to run environment create command '${spec.executionConfig.environment!.create_command![0]}': ${create.spawnError}`);
    if (create.exitCode !== 0) return result('failed', `Environment creation failed (exit ${create.exitCode}, stderr_bytes=${create.stderrBytes})`);

    const install = spec.executionConfig.dependencies?.install_command;
    if (install?.length && location.manifestPath && existsSync(location.manifestPath)) {
      // The env's own interpreter (when the runtime names one) installs into the env.
      const envInterpreter = spec.executionConfig.environment?.interpreter_path;
      const interp = envInterpreter ? applyTemplate(envInterpreter, { env_dir: tmp, pack_dir: packDir }) : location.interpreter;
      const deps2 = await runSetupCommand(install.map((a) => applyTemplate(a, { ...vars, interpreter: interp })), { cwd: packDir, env, signal: ctx.cancellationSignal, timeoutMs: SETUP_TIMEOUT_MS, identity: deps.actionIdentity });
      if (deps2.spawnError) return result('failed', `Failed to run dependency install command '${install[0]}': ${deps2.spawnError}`);
      if (deps2.exitCode !== 0) return result('failed', `Dependency installation failed (exit ${deps2.exitCode}, stderr_bytes=${deps2.stderrBytes})`);
      // Written after a successful install only, as Attune does; our own readiness is the content-addressed key.
      // Never through a link the setup commands (pack code) may have left in the build dir.
      await writeFresh(path.join(tmp, ATTUNE_DEPS_MARKER), createHash('sha256').update(readFileSync(location.manifestPath)).digest('hex'));
    }
    await writeFresh(path.join(tmp, READY_MARKER), location.key);
    await rm(setupHome, { recursive: true, force: true });
    try {
      await rename(tmp, location.dir);
    } catch (err) {
      // Another agent published the same environment first: theirs is as good as ours.
      if (!isReady(location.dir, location.key)) throw err;
      return result('reused');
    }
    return result('built');
  } finally {
    clearInterval(beat);
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The env's interpreter when its environment is ready (used by runAction), else null. */
export async function readyInterpreter(spec: RunSpec, deps: EnvironmentDeps): Promise<{ dir: string; interpreter: string | null } | null> {
  const location = await environmentLocation(spec, deps);
  if (!location || !isReady(location.dir, location.key)) return null;
  const template = spec.executionConfig.environment?.interpreter_path;
  const interpreter = template ? applyTemplate(template, { env_dir: location.dir, pack_dir: packDirectory(deps.packsBaseDir, spec) }) : null;
  return { dir: location.dir, interpreter: interpreter && existsSync(interpreter) ? interpreter : null };
}
