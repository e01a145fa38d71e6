import execa from 'execa';
import { parseVersion, runtimeKind } from '../src/attune/runtimes';

const cache = new Map<string, Promise<string | null>>();

/** `<interpreter> --version` (java: -version), parsed like Attune's probes; cached per agent process. */
export function interpreterVersion(interpreter: string, runtimeName: string | null, env: Record<string, string>): Promise<string | null> {
  let pending = cache.get(interpreter);
  if (!pending) {
    const kind = runtimeKind(runtimeName);
    const args = kind?.versionArgs ?? ['--version'];
    pending = execa(interpreter, args, { reject: false, timeout: 10_000, env: { PATH: env.PATH ?? '' }, extendEnv: false, stdin: 'ignore' }).then((r) =>
      r.exitCode === 0 || r.stdout || r.stderr ? parseVersion(`${r.stdout ?? ''}${r.stderr ?? ''}`, kind?.quotedVersion) : null,
    );
    cache.set(interpreter, pending);
  }
  return pending;
}
