// The engine floor's own tiny worker, plain JavaScript so `node` starts it without a TS step.
//   node bench/floor-worker.js TASK_QUEUE MAX_CONCURRENT          workflow + activity worker
//   node bench/floor-worker.js TASK_QUEUE MAX_CONCURRENT --activities-only   (cold-start / idle RSS floor)
// Prints "polling" on stdout once the worker runs.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { Worker, NativeConnection } = require('@temporalio/worker');
const execa = require('execa');

async function main() {
  const [taskQueue, maxConcurrent, mode] = process.argv.slice(2);
  const activitiesOnly = mode === '--activities-only';
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS || '127.0.0.1:7233' });
  const activities = {
    async runScript({ script, id, stdin }) {
      const r = await execa('/bin/bash', [script], { input: stdin, reject: false, env: { ...process.env, ATTUNE_EXEC_ID: id } });
      return { exitCode: r.exitCode };
    },
    async killScript({ id }) {
      const pid = Number(fs.readFileSync(path.join(process.env.MARKER_DIR, `pid.${id}`), 'utf8'));
      process.kill(pid, 'SIGTERM');
    },
  };
  const worker = await Worker.create({
    connection,
    namespace: process.env.TEMPORAL_NAMESPACE || 'default',
    taskQueue,
    activities,
    ...(activitiesOnly ? {} : { workflowsPath: path.join(__dirname, 'floor-workflow.ts') }),
    maxConcurrentActivityTaskExecutions: Number(maxConcurrent || 10),
  });
  const running = worker.run();
  process.stdout.write('polling\n');
  process.once('SIGTERM', () => worker.shutdown());
  await running;
  await connection.close();
}
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
