import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { ArtifactsResult } from '../src/temporal/contracts';
import { sha256File } from '../src/sha256-file';
import { executionArtifactsDir } from '../src/attune/artifact-layout';

/**
 * Size and SHA-256 of every file the execution left in its artifacts directory (logs included), as
 * Attune's worker records sizes — plus the checksum, which it doesn't. Symlinks are not followed.
 */
export async function finalizeArtifacts(artifactsDir: string, executionId: number): Promise<ArtifactsResult> {
  const root = executionArtifactsDir(artifactsDir, executionId);
  const files: ArtifactsResult['files'] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) files.push({ path: full, sizeBytes: (await lstat(full)).size, sha256: await sha256File(full) });
    }
  };
  await walk(root);
  return { v: 1, files };
}
