/**
 * `npm run bench [-- --quick] [-- --out DIR]`: what the adapter costs against the floors it stands on, measured
 * side by side in one run on this machine. See bench/README.md for the method.
 *
 * It reuses the e2e harness (test/helpers): an isolated Attune database, a real bridge and agent(s) as CLI
 * processes (dist/), the services of scripts/services.sh. Writes DIR/<ISO date>.json, DIR/latest.json and
 * DIR/latest.svg (DIR defaults to bench/results).
 *
 * The scenarios (bench/scenarios) run one after another on one deployment, in the order of the JSON's sections.
 */
import { existsSync } from 'node:fs';
import { TestDeployment } from '../test/helpers/deployment';
import { CLI } from '../test/helpers/processes';
import { testDataConverter } from '../test/helpers/services';
import { ensureBundle } from './bundle-cache';
import { benchConfig, recordedConfig } from './config';
import { BenchHarness } from './harness';
import { log } from './log';
import { loadavg, machine } from './machine';
import { parseOptions, USAGE } from './options';
import { writeResults } from './results';
import { measureAgentFootprint } from './scenarios/agent-footprint';
import { measureAgentLoss } from './scenarios/agent-loss';
import { measureBacklog } from './scenarios/backlog';
import { measureBigOutput } from './scenarios/big-output';
import { measureCancellation } from './scenarios/cancellation';
import { measureLatency } from './scenarios/latency';
import { measureThroughput } from './scenarios/throughput';
import { measureWorkflowCpu } from './scenarios/workflow-cpu';

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (opts.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (opts.prepareBundle) {
    // Used by quick-check.sh before the timed run: builds and caches the bundle for this dist/.
    const built = ensureBundle();
    log('notAvailable' in built ? `bundle not available: ${built.notAvailable}` : `bundle ready: ${built.dir}`);
    return;
  }
  const cfg = benchConfig(opts.quick, opts.backlog);
  const started = new Date();
  const t0Run = Date.now();
  log(`${opts.quick ? 'quick' : 'full'} run; results to ${opts.outDir}`);
  if (!existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build first`);
  const d = await new TestDeployment().setup();
  const metaAtStart = { date: started.toISOString(), quick: opts.quick, machine: machine(), config: recordedConfig(cfg) };
  const bench = new BenchHarness(d);
  try {
    await bench.start();
    log(`deployment ${d.id} up: bridge, agent (worker ${d.workerId}), floor worker`);

    const { latency, history, kept } = await measureLatency(bench, cfg);
    const workflowCpu = await measureWorkflowCpu(kept, testDataConverter(), cfg);
    const { throughput, secondAgentStopped } = await measureThroughput(bench, cfg);
    const agent = await measureAgentFootprint(bench, cfg);
    const bigOutput = await measureBigOutput(bench, cfg);
    const cancel = await measureCancellation(bench, cfg);
    await secondAgentStopped; // agent loss kills the first agent: no other may be left in its pool
    const agentLoss = await measureAgentLoss(bench, cfg);
    const backlog = await measureBacklog(bench, cfg);

    const durationSeconds = Math.round((Date.now() - t0Run) / 1000);
    const bundleBuildSeconds = 'notAvailable' in agent.bundleSize ? 0 : (agent.bundleSize.buildSeconds ?? 0);
    const meta = { ...metaAtStart, durationSeconds, bundleBuildSeconds, measureSeconds: durationSeconds - bundleBuildSeconds, loadavgAtEnd: loadavg() };
    const file = writeResults(opts.outDir, { meta, latency, history, workflowCpu, throughput, agent, bigOutput, cancel, agentLoss, backlog });
    log(`wrote ${file} and latest.svg in ${Math.round((Date.now() - t0Run) / 1000)} s`);
  } finally {
    await bench.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    log(`FAILED: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);
