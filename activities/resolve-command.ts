import { existsSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { DetectedRuntime, RunSpec } from '../src/temporal/contracts';
import { findOnPath } from './agent/find-on-path';
import { applyTemplate } from './child-env';

export interface ResolvedCommand {
  file: string;
  args: string[];
  cwd: string | undefined;
  packDir: string;
  /** Inline code that must be written to a temp file and run as the script (temp_file strategy). */
  inlineScript: { code: string; extension: string; injectShellHelpers: boolean } | null;
  templateVars: Record<string, string | undefined>;
}

/** The pack directory: the pinned release cache when present, else `{packs}/{pack_ref}` (§4.9). */
export function packDirectory(packsBaseDir: string, spec: RunSpec): string {
  if (spec.releaseDigest) {
    const pinned = path.join(packsBaseDir, '.releases', 'sha256', spec.releaseDigest, 'pack');
    if (existsSync(pinned)) return pinned;
  }
  return path.join(packsBaseDir, spec.packRef);
}

/**
 * Works out the command line for an action, as Attune's ProcessRuntime does (§2.3, §2.6, §2.7).
 * Throws with Attune's wording when there is nothing to run or no interpreter.
 */
export function resolveCommand(
  spec: RunSpec,
  opts: { packsBaseDir: string; pathVar: string | undefined; detected: DetectedRuntime[]; env?: { dir: string; interpreter: string | null } | null },
): ResolvedCommand {
  const packDir = packDirectory(opts.packsBaseDir, spec);
  const config = spec.executionConfig;
  const runtime = spec.runtimeName;
  // Attune's Path::join: an absolute entrypoint replaces the base, `..` climbs out of it.
  const candidate = path.resolve(packDir, 'actions', spec.entrypoint);
  const useFile = (spec.packRef.startsWith('core') || !spec.isAdhoc) && existsSync(candidate);
  if (useFile) refuseOutsidePack(spec, candidate, packDir);
  const cwd = existsSync(packDir) ? packDir : undefined;
  const templateVars: Record<string, string | undefined> = { pack_dir: packDir, env_dir: opts.env?.dir };

  if (runtime === 'native' || (runtime === null && !config.interpreter?.binary)) {
    if (!useFile) throw new Error(`Invalid action: Native runtime requires code_path to be set`);
    // Attune's check and words, before anything is spawned.
    if ((statSync(candidate).mode & 0o111) === 0) throw new Error(`Execution failed: Binary is not executable: ${candidate}`);
    return { file: candidate, args: [], cwd, packDir, inlineScript: null, templateVars };
  }

  // A ready environment's interpreter wins (Attune §2.6 step 4); else the runtime's own.
  const interpreter = opts.env?.interpreter ?? resolveInterpreter(spec, opts);
  templateVars.interpreter = interpreter;
  const interpreterArgs = config.interpreter?.args ?? [];
  if (useFile) return { file: interpreter, args: [...interpreterArgs, candidate], cwd, packDir, inlineScript: null, templateVars };

  if (runtime === 'shell') {
    // Attune runs a shell action's entrypoint text as inline code when there is no file.
    const inline = config.inline_execution ?? {};
    if (inline.strategy === 'temp_file') {
      const ext = inline.extension ? (inline.extension.startsWith('.') ? inline.extension : `.${inline.extension}`) : '.sh';
      return {
        file: interpreter,
        args: interpreterArgs,
        cwd,
        packDir,
        inlineScript: { code: spec.entrypoint, extension: ext, injectShellHelpers: inline.inject_shell_helpers === true },
        templateVars,
      };
    }
    return { file: interpreter, args: ['-c', spec.entrypoint], cwd, packDir, inlineScript: null, templateVars };
  }
  throw new Error(`Invalid action: No executable content found for action '${spec.actionRef}'. Expected file at: ${candidate}`);
}

/**
 * An entrypoint file must lie inside its pack once `..`, absolute paths and symlinks are resolved: Attune's worker
 * runs whatever the join names (a deliberate difference, see README), here the execution fails before anything runs.
 */
function refuseOutsidePack(spec: RunSpec, candidate: string, packDir: string): void {
  const real = realpathSync(candidate);
  const root = realpathSync(packDir);
  if (real.startsWith(`${root}${path.sep}`)) return;
  throw new Error(`Invalid action: entrypoint '${spec.entrypoint}' of action '${spec.actionRef}' resolves to ${real}, outside its pack directory ${root}`);
}

function resolveInterpreter(spec: RunSpec, opts: { pathVar: string | undefined; detected: DetectedRuntime[] }): string {
  const configured = applyTemplate(spec.executionConfig.interpreter?.binary ?? '', {});
  const found = configured ? findOnPath(configured, opts.pathVar) : null;
  if (found) return found;
  // The runtime row names an interpreter this image lacks (e.g. /bin/bash in busybox): use the one
  // detected for the same runtime, as Attune's agent does when it auto-registers a runtime.
  const detected = opts.detected.find((d) => d.name === spec.runtimeName);
  if (detected) return detected.path;
  // This agent has no such runtime at all: Attune's worker says so in these words (its runtime registry lacks it).
  if (spec.runtimeName !== null) {
    const available = [...new Set([...opts.detected.map((d) => d.name), 'native'])].join(', ');
    throw new Error(`Runtime not found: Runtime '${spec.runtimeName}' not found for action: ${spec.actionRef} (available: ${available})`);
  }
  throw new Error(`Setup error: Interpreter '${configured}' is not available for action '${spec.actionRef}' on this worker`);
}
