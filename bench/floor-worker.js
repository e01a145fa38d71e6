// The engine floor's own tiny worker, plain JavaScript so `node` starts it without a TS step.
//   node bench/floor-worker.js TASK_QUEUE MAX_CONCURRENT          workflow + activity worker
//   node bench/floor-worker.js TASK_QUEUE MAX_CONCURRENT --activities-only   (cold-start / idle RSS floor)
//   node bench/floor-worker.js TASK_QUEUE MAX_CONCURRENT --eager      also starts floorWorkflow itself, eagerly:
//     reads "<id>" lines on stdin, starts the workflow with requestEagerStart over the worker's own connection
//     (as the bridge does), and prints "done <id>" when its result is in.
// Prints "polling" on stdout once the worker runs.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const { Worker, NativeConnection } = require('@temporalio/worker');
const { Client } = require('@temporalio/client');
const execa = require('execa');

async function main() {
  const [taskQueue, maxConcurrent, mode] = process.argv.slice(2);
  const activitiesOnly = mode === '--activities-only';
  const eager = mode === '--eager';
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
  if (eager) {
    const client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE || 'default' });
    const script = process.env.FLOOR_SCRIPT;
    readline.createInterface({ input: process.stdin }).on('line', (id) => {
      client.workflow
        .start('floorWorkflow', { taskQueue, workflowId: id, args: [{ script, id, stdin: '{}' }], requestEagerStart: true })
        .then((h) => h.result())
        .then(() => process.stdout.write(`done ${id}\n`), (err) => process.stdout.write(`failed ${id} ${err}\n`));
    });
  }
  process.stdout.write('polling\n');
  process.once('SIGTERM', () => worker.shutdown());
  await running;
  await connection.close();
}
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
