import path from 'node:path';

/**
 * Attune's local artifact layout for one execution (the worker's legacy layout):
 * `{artifacts_dir}/execution_{id}/stdout.log|stderr.log`. Agent and bridge each derive it from their own
 * artifacts dir and the execution id — the bridge never opens a path an agent reports.
 */
export function executionArtifactsDir(artifactsDir: string, executionId: number): string {
  if (!Number.isSafeInteger(executionId) || executionId <= 0) throw new Error(`invalid execution id ${executionId}`);
  return path.join(artifactsDir, `execution_${executionId}`);
}

export function executionLogPaths(artifactsDir: string, executionId: number): { dir: string; stdout: string; stderr: string } {
  const dir = executionArtifactsDir(artifactsDir, executionId);
  return { dir, stdout: path.join(dir, 'stdout.log'), stderr: path.join(dir, 'stderr.log') };
}
