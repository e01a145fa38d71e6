import { randomBytes } from 'node:crypto';
import { lstat, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { executionArtifactsDir } from '../src/attune/artifact-layout';

/**
 * Attune's worker leaves the parsed output as `execution_<id>/result.json` (pretty-printed) in the artifacts
 * directory. We write the same file — redacted, since it is read back by people and tools — from the bridge,
 * which has the parsed, redacted result. The directory must be a real one (not a link an action planted), the
 * file is created exclusively under a temporary name and renamed over `result.json` (a rename replaces a
 * planted link instead of following it). Best effort, like Attune's: false when it could not be written.
 */
export async function writeResultFile(artifactsDir: string, executionId: number, data: unknown): Promise<boolean> {
  const dir = executionArtifactsDir(artifactsDir, executionId);
  const tmp = path.join(dir, `.result.json.${randomBytes(6).toString('hex')}`);
  try {
    if (!(await lstat(dir)).isDirectory()) return false;
    await writeFile(tmp, JSON.stringify(data, null, 2), { flag: 'wx', mode: 0o640 });
    await rename(tmp, path.join(dir, 'result.json'));
    return true;
  } catch {
    await rm(tmp, { force: true }).catch(() => undefined);
    return false;
  }
}
