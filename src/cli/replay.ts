import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { createDataConverter } from '../temporal/data-converter';

/**
 * `attune-temporal replay PATH...`: replays workflow histories (JSON as written by `temporal workflow show
 * --output json`) against this build's workflow code. Run it on production histories before deploying a
 * new bridge: a nondeterminism error means the change needs `patched()`.
 */
export async function replay(paths: string[]): Promise<void> {
  const files = paths.flatMap((p) => (statSync(p).isDirectory() ? readdirSync(p).filter((f) => f.endsWith('.json')).map((f) => path.join(p, f)) : [p]));
  if (files.length === 0) throw new Error('no history files given');
  const dataConverter = createDataConverter();
  let failed = 0;
  for (const file of files) {
    try {
      await Worker.runReplayHistory({ workflowsPath: require.resolve('../../workflows'), dataConverter }, JSON.parse(readFileSync(file, 'utf8')) as unknown, path.basename(file));
      process.stdout.write(`ok      ${file}\n`);
    } catch (err) {
      failed += 1;
      process.stdout.write(`FAILED  ${file}: ${(err as Error).message.split('\n')[0]}\n`);
    }
  }
  process.stdout.write(`${files.length - failed} passed, ${failed} failed\n`);
  if (failed > 0) process.exitCode = 1;
}
