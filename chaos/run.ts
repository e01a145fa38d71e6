/**
 * `npm run chaos [-- --short] [-- --out DIR]`: a soak of executions while every component is killed, restarted or
 * cut off, on the soak's own PostgreSQL, RabbitMQ and Temporal dev server. Asserts that no execution is lost, run
 * twice or stuck (exit 1 otherwise) and writes its figures. See chaos/README.md.
 */
import './env';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ensureBundle } from '../bench/bundle-cache';
import { loadavg, machine } from '../bench/machine';
import { MiB } from '../bench/stats';
import { CLI } from '../test/helpers/processes';
import { chaosConfig } from './config';
import { ChaosDeployment } from './deployment';
import { ExecutionBook } from './executions';
import { FaultInjector, faultPlan } from './faults';
import { log } from './log';
import { parseOptions, USAGE } from './options';
import { renderTable, writeResults } from './report';
import { ChaosServices, chaosUrls } from './services';
import { judge } from './verdict';

const STATE_PARENT = '/var/tmp/attune-chaos';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<boolean> {
  const opts = parseOptions(process.argv.slice(2));
  if (opts.help) {
    process.stdout.write(USAGE);
    return true;
  }
  if (!existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build first`);
  if (process.getuid?.() !== 0) throw new Error('the soak needs root (its own services, unshare + chroot agents, a tmpfs)');
  const cfg = chaosConfig(opts.short);
  const started = new Date();
  mkdirSync(STATE_PARENT, { recursive: true, mode: 0o755 });
  const services = new ChaosServices(mkdtempSync(path.join(STATE_PARENT, 'run-')));
  let cd: ChaosDeployment | null = null;
  let passed = false;
  const cleanup = async () => {
    await cd?.close().catch((err) => log(`close: ${String(err)}`));
    await services.stopAll();
    if (passed && !process.env.KEEP_TEST_DIRS) {
      rmSync(services.stateDir, { recursive: true, force: true });
      if (cd) rmSync(cd.d.dir, { recursive: true, force: true });
    } else log(`kept for inspection: ${services.stateDir}${cd ? ` and ${cd.d.dir}` : ''}`);
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      log(`${sig}: stopping everything the soak started`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  try {
    log(`${opts.short ? 'short' : 'full'} run: ${cfg.executions} executions; services in ${services.stateDir}`);
    const bundle = ensureBundle();
    if ('notAvailable' in bundle) throw new Error(`agent bundle: ${bundle.notAvailable}`);
    await services.up();
    cd = new ChaosDeployment(cfg, bundle.dir, chaosUrls.amqp);
    await cd.setup();
    const { d } = cd;
    log(`deployment ${d.id} up: 2 bridges, 2 agents of pool ${d.pool} (worker ${d.workerId})`);

    const book = new ExecutionBook(cd, cfg);
    const following = book.follow();
    const deployment = cd;
    const sampler = setInterval(() => deployment.sampleRss(), 2000);
    const injector = new FaultInjector(cfg, services, cd, book);
    const plan = faultPlan(cfg);
    log(`fault plan: ${plan.join(', ')}`);
    await Promise.all([book.load(), injector.run(plan)]);
    log(`load and faults done; ${book.inFlight()} executions not final yet, draining (up to ${cfg.drainSeconds} s)`);
    await book.drain(cfg.drainSeconds * 1000);
    book.stop();
    await following;
    await book.poll().catch(() => undefined);
    clearInterval(sampler);
    cd.sampleRss();

    // Agents stop (their sessions close through the bridges); then nothing of the deployment may still run.
    await cd.stopProcesses();
    const query = `TaskQueue="attune-bridge-${d.id}" AND ExecutionStatus="Running"`;
    const deadline = Date.now() + 90_000;
    while ((await d.temporal.workflow.count(query)).count > 0 && Date.now() < deadline) await sleep(1000);
    const stuckWorkflows: string[] = [];
    for await (const w of d.temporal.workflow.list({ query })) stuckWorkflows.push(w.workflowId);

    const verdict = judge(cfg, book.all, injector.records, d.markerDir, stuckWorkflows);
    passed = verdict.lost.length === 0 && verdict.runTwice.length === 0 && verdict.unmarked.length === 0 && verdict.stuck.rows.length === 0 && verdict.stuck.workflows.length === 0;
    const results = {
      meta: { date: started.toISOString(), short: cfg.short, durationSeconds: Math.round((Date.now() - started.getTime()) / 1000), machine: machine(), config: cfg, loadavgAtEnd: loadavg() },
      passed,
      verdict,
      peakRssMiB: { bridge: MiB(cd.peaks.bridgeKiB), agent: MiB(cd.peaks.agentKiB) },
    };
    const file = writeResults(opts.outDir, results);
    process.stdout.write(renderTable(results, path.basename(file)));
    for (const u of verdict.unexpected) log(`unexpected: execution ${u.id} (${u.kind}) ${u.status} "${u.error ?? ''}" after ${u.faults.join(', ') || 'no fault'}: ${u.why}`);
    log(`${passed ? 'PASSED' : 'FAILED'}: lost ${verdict.lost.length}, run twice ${verdict.runTwice.length} (unmarked ${verdict.unmarked.length}), stuck ${verdict.stuck.rows.length} rows / ${verdict.stuck.workflows.length} workflows; wrote ${file}`);
    if (!passed) log(`lost ${JSON.stringify(verdict.lost)}; run twice ${JSON.stringify(verdict.runTwice)}; unmarked ${JSON.stringify(verdict.unmarked)}; stuck ${JSON.stringify(verdict.stuck)}`);
    return passed;
  } finally {
    await cleanup();
  }
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (err) => {
    log(`FAILED: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);
