import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { createDataConverter } from '../temporal/data-converter';
import { droppedWorkflowSpans, WORKFLOW_TRACING_MODULES } from '../telemetry/workflow-interceptor-modules';

/**
 * `attune-temporal replay PATH...`: replays workflow histories (JSON as written by `temporal workflow show
 * --output json`) against this build's workflow code. Run it on production histories before deploying a
 * new bridge: a nondeterminism error means the change needs `patched()`. Each history is replayed twice, as a
 * bridge without tracing and as one with the OpenTelemetry workflow interceptors runs it: tracing can be turned on
 * or off between deployments, so neither may change a workflow's commands.
 */
export async function replay(paths: string[]): Promise<void> {
  const files = paths.flatMap((p) => (statSync(p).isDirectory() ? readdirSync(p).filter((f) => f.endsWith('.json')).map((f) => path.join(p, f)) : [p]));
  if (files.length === 0) throw new Error('no history files given');
  const base: ReplayWorkerOptions = { workflowsPath: require.resolve('../../workflows'), dataConverter: createDataConverter() };
  const variants: [string, ReplayWorkerOptions][] = [
    ['untraced', base],
    ['traced', { ...base, interceptors: { workflowModules: WORKFLOW_TRACING_MODULES }, sinks: droppedWorkflowSpans }],
  ];
  const failures = new Map<string, string>();
  const histories: { workflowId: string; history: unknown }[] = [];
  for (const file of files) {
    try {
      histories.push({ workflowId: file, history: JSON.parse(readFileSync(file, 'utf8')) as unknown });
    } catch (err) {
      failures.set(file, (err as Error).message);
    }
  }
  // One replay worker (one workflow bundle) per variant for all histories.
  for (const [variant, options] of variants) {
    for await (const result of Worker.runReplayHistories(options, histories)) {
      if (result.error && !failures.has(result.workflowId)) failures.set(result.workflowId, `${variant}: ${result.error.message.split('\n')[0]}`);
    }
  }
  for (const file of files) {
    const failure = failures.get(file);
    process.stdout.write(failure === undefined ? `ok      ${file}\n` : `FAILED  ${file}: ${failure}\n`);
  }
  process.stdout.write(`${files.length - failures.size} passed, ${failures.size} failed\n`);
  if (failures.size > 0) process.exitCode = 1;
}
