/**
 * `npm run bench [-- --quick] [-- --out DIR]`: what the adapter costs against the floors it stands on, measured
 * side by side in one run on this machine. See bench/README.md for the method.
 *
 * It reuses the e2e harness (test/helpers): an isolated Attune database, a real bridge and agent(s) as CLI
 * processes (dist/), the services of scripts/services.sh. Writes DIR/<ISO date>.json, DIR/latest.json and
 * DIR/latest.svg (DIR defaults to bench/results).
 */
import amqp from 'amqplib';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import execa from 'execa';
import { newEnvelope } from '../src/attune/envelope';
import { EXCHANGES, ROUTING } from '../src/attune/topology';
import { ensureAction } from '../src/demo/sample-pack';
import { TestDeployment } from '../test/helpers/deployment';
import { CLI } from '../test/helpers/processes';
import { RUN_HEARTBEAT_TIMEOUT } from '../workflows/options';
import { renderSvg } from './chart';
import { renderTable, updateReadme } from './table';
import { countHistory, type HistoryCount } from './history';
import { nowMs, nsToMs, procStatusKiB, sleep, summarize, until, type Summary } from './stats';

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const outIdx = argv.indexOf('--out');
const OUT_DIR = path.resolve(outIdx >= 0 && argv[outIdx + 1] ? argv[outIdx + 1]! : path.join(__dirname, 'results'));
const BENCH_PACK = path.join(__dirname, 'packs', 'bench');
const SCRIPTS = {
  trivial: path.join(BENCH_PACK, 'actions', 'trivial.sh'),
  bigOutput: path.join(BENCH_PACK, 'actions', 'big_output.sh'),
  trapTerm: path.join(BENCH_PACK, 'actions', 'trap_term.sh'),
};
const AGENT_SLOTS = 10; // ATTUNE__WORKER__MAX_CONCURRENT_TASKS default; the floor worker gets the same

const CFG = QUICK
  ? { latencyN: 15, warmup: 2, concurrency: [1, 8, 32], tputN: (c: number) => Math.max(4, c), coldTrials: 1, idleMs: 1500, bigBytes: 128 * 1024 * 1024, cancelN: 5, lossTrials: 1 }
  : { latencyN: 200, warmup: 10, concurrency: [1, 8, 32], tputN: (c: number) => Math.max(60, 3 * c), coldTrials: 5, idleMs: 5000, bigBytes: 1024 * 1024 * 1024, cancelN: 20, lossTrials: 1 };

const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
const MiB = (kib: number) => Math.round((kib / 1024) * 10) / 10;

/** Our own observer of the bus that timestamps each ExecutionCompleted the moment it arrives. */
class CompletionClock {
  private readonly seen = new Map<number, number>();
  private readonly waiters = new Map<number, (t: number) => void>();
  private conn?: amqp.ChannelModel;
  channel?: amqp.Channel;

  async start(url: string): Promise<void> {
    this.conn = await amqp.connect(url);
    const ch = await this.conn.createChannel();
    this.channel = ch;
    await ch.assertExchange(EXCHANGES.executions, 'topic', { durable: true });
    const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
    await ch.bindQueue(queue, EXCHANGES.executions, ROUTING.completed);
    await ch.consume(queue, (msg) => {
      if (!msg) return;
      const t = nowMs();
      const id = Number((JSON.parse(msg.content.toString('utf8')) as { payload: { execution_id: number } }).payload.execution_id);
      this.seen.set(id, t);
      this.waiters.get(id)?.(t);
    }, { noAck: true });
  }

  wait(id: number, timeoutMs = 120_000): Promise<number> {
    const t = this.seen.get(id);
    if (t !== undefined) return Promise.resolve(t);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ExecutionCompleted for ${id} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.set(id, (at) => {
        clearTimeout(timer);
        this.waiters.delete(id);
        resolve(at);
      });
    });
  }

  async close(): Promise<void> {
    await this.conn?.close().catch(() => undefined);
  }
}

/** A child process whose stdout/stderr lines we watch (agents and floor workers). */
class Watched {
  readonly child: ChildProcess;
  readonly startedAt = nowMs();
  private buf = '';
  private readonly lineWaiters: { re: RegExp; resolve: (t: number) => void }[] = [];
  readonly exited: Promise<void>;

  constructor(cmd: string, args: string[], env: Record<string, string | undefined>, logFile: string) {
    const out = createWriteStream(logFile, { flags: 'a' });
    this.child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (chunk: Buffer) => {
      const t = nowMs();
      out.write(chunk);
      this.buf += chunk.toString('utf8');
      const lines = this.buf.split('\n');
      this.buf = lines.pop()!;
      for (const line of lines) {
        for (const w of [...this.lineWaiters]) {
          if (w.re.test(line)) {
            this.lineWaiters.splice(this.lineWaiters.indexOf(w), 1);
            w.resolve(t);
          }
        }
      }
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  line(re: RegExp, timeoutMs = 120_000): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line ${re} within ${timeoutMs} ms (pid ${this.child.pid})`)), timeoutMs);
      this.lineWaiters.push({ re, resolve: (t) => (clearTimeout(timer), resolve(t)) });
      this.child.once('exit', (code) => reject(new Error(`pid ${this.child.pid} exited (${code}) before ${re}`)));
    });
  }

  /** Cold-start processes are dropped with SIGKILL: their Temporal sessions expire on the presence heartbeat. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(timer);
  }
}

function readMarker(markerDir: string, id: number | string): { start: number; exit: number } {
  const [start, exit] = readFileSync(path.join(markerDir, `t.${id}`), 'utf8').trim().split(' ');
  return { start: nsToMs(start!), exit: nsToMs(exit!) };
}

function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  return {
    nproc: Number(spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()) || os.cpus().length,
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? 'unknown',
    memTotalMiB: Math.round(Number(/^MemTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? 0) / 1024),
    node: process.version,
    kernel: os.release(),
    loadavgAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

async function main(): Promise<void> {
  if (argv.includes('--prepare-bundle')) {
    // Used by quick-check.sh before the timed run: builds and caches the bundle for this dist/.
    const built = ensureBundle();
    log('notAvailable' in built ? `bundle not available: ${built.notAvailable}` : `bundle ready: ${built.dir}`);
    return;
  }
  const started = new Date();
  const t0Run = Date.now();
  log(`${QUICK ? 'quick' : 'full'} run; results to ${OUT_DIR}`);
  if (!existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build first`);
  const d = await new TestDeployment().setup();
  const clock = new CompletionClock();
  const floorWorkers: Watched[] = [];
  const extra: Watched[] = [];
  const results: Record<string, unknown> = { meta: { date: started.toISOString(), quick: QUICK, machine: machine(), config: { ...CFG, tputN: CFG.concurrency.map(CFG.tputN), agentSlots: AGENT_SLOTS } } };
  try {
    // The bench's pack next to the fixture packs, in the deployment's private packs dir.
    cpSync(BENCH_PACK, path.join(d.packsDir, 'bench'), { recursive: true });
    for (const [ref, entrypoint] of [['bench.trivial', 'trivial.sh'], ['bench.big_output', 'big_output.sh'], ['bench.trap_term', 'trap_term.sh']] as const) {
      await ensureAction(d.db, { ref, entrypoint, runtime: 'shell' });
    }
    await clock.start(process.env.ATTUNE__MESSAGE_QUEUE__URL ?? 'amqp://guest:guest@127.0.0.1:55672');
    const floorMarkers = path.join(d.dir, 'floor-markers');
    mkdirSync(floorMarkers, { recursive: true });

    // The engine floor's worker: a separate process, like the agent.
    const floorQueue = `bench-floor-${d.id}`;
    const floorEnv = { ...process.env, MARKER_DIR: floorMarkers };
    const floor = new Watched(process.execPath, [path.join(__dirname, 'floor-worker.js'), floorQueue, String(AGENT_SLOTS)], floorEnv, path.join(d.dir, 'floor-worker.log'));
    floorWorkers.push(floor);
    await floor.line(/^polling/);
    log(`deployment ${d.id} up: bridge, agent (worker ${d.workerId}), floor worker`);

    let seq = 0;
    const adapterOnce = async (ref = 'bench.trivial', config: Record<string, unknown> = {}) => {
      const id = await d.createExecution(ref, config);
      const env = d.dispatchEnvelope(id, ref, config);
      const t0 = nowMs();
      await d.publish(ROUTING.dispatch(d.workerId), env);
      const done = await clock.wait(id);
      return { id, t0, done };
    };
    const engineOnce = async (script = SCRIPTS.trivial, stdin = '{}') => {
      const id = `floor-${d.id}-${seq++}`;
      const t0 = nowMs();
      const h = await d.temporal.workflow.start('floorWorkflow', { taskQueue: floorQueue, workflowId: id, args: [{ script, id, stdin }] });
      await h.result();
      return { id, t0, done: nowMs() };
    };
    const processOnce = async () => {
      const id = `proc-${d.id}-${seq++}`;
      const t0 = nowMs();
      await execa('/bin/bash', [SCRIPTS.trivial], { input: '{}', env: { ...process.env, MARKER_DIR: floorMarkers, ATTUNE_EXEC_ID: id } });
      return { id, t0, done: nowMs() };
    };

    // ---- 1. latency, the three interleaved so they share the machine's noise ----
    log(`latency: ${CFG.latencyN} executions each (adapter, engine floor, process floor), interleaved`);
    for (let i = 0; i < CFG.warmup; i++) await Promise.all([adapterOnce(), engineOnce(), processOnce()].map((p) => p));
    const lat = { adapter: [] as number[][], engine: [] as number[][], process: [] as number[][] };
    let lastAdapterId = 0;
    let lastEngineId = '';
    for (let i = 0; i < CFG.latencyN; i++) {
      const a = await adapterOnce();
      const am = readMarker(d.markerDir, a.id);
      lat.adapter.push([am.start - a.t0, a.done - am.exit, a.done - a.t0]);
      lastAdapterId = a.id;
      const e = await engineOnce();
      const em = readMarker(floorMarkers, e.id);
      lat.engine.push([em.start - e.t0, e.done - em.exit, e.done - e.t0]);
      lastEngineId = e.id;
      const p = await processOnce();
      const pm = readMarker(floorMarkers, p.id);
      lat.process.push([pm.start - p.t0, p.done - pm.exit, p.done - p.t0]);
      if ((i + 1) % 50 === 0) log(`  ${i + 1}/${CFG.latencyN}`);
    }
    const col = (rows: number[][], k: number) => summarize(rows.map((r) => r[k]!));
    const latency = Object.fromEntries(
      (['dispatchToStart', 'exitToCompleted', 'endToEnd'] as const).map((name, k) => {
        const adapter = col(lat.adapter, k);
        const engineFloor = col(lat.engine, k);
        const processFloor = col(lat.process, k);
        return [name, { adapter, engineFloor, processFloor, ratioToEngine: { p50: ratio(adapter.p50, engineFloor.p50), p99: ratio(adapter.p99, engineFloor.p99) }, ratioToProcess: { p50: ratio(adapter.p50, processFloor.p50), p99: ratio(adapter.p99, processFloor.p99) } }];
      }),
    );
    results.latency = { unit: 'ms', ...latency };

    // Where the time goes: one execution's workflow history, and the floor's.
    const adapterHistory = await d.history(lastAdapterId);
    const engineHistory = await d.temporal.workflow.getHandle(lastEngineId).fetchHistory();
    results.history = { adapter: countHistory(adapterHistory), engineFloor: countHistory(engineHistory) } satisfies Record<string, HistoryCount>;
    log(`latency done; adapter p50 dispatch→start ${latency.dispatchToStart!.adapter.p50} ms (engine ${latency.dispatchToStart!.engineFloor.p50}, process ${latency.dispatchToStart!.processFloor.p50})`);

    // ---- 2. throughput: closed loop, `c` executions in flight ----
    const closedLoop = async (c: number, n: number, one: (k: number) => Promise<unknown>) => {
      let next = 0;
      const t0 = nowMs();
      await Promise.all(Array.from({ length: c }, async () => {
        while (next < n) await one(next++);
      }));
      return Math.round((n / ((nowMs() - t0) / 1000)) * 100) / 100;
    };
    const adapterTput = async (c: number) => {
      const n = CFG.tputN(c);
      const ids: number[] = [];
      for (let k = 0; k < n; k++) ids.push(await d.createExecution('bench.trivial'));
      const perSec = await closedLoop(c, n, async (k) => {
        const id = ids[k]!;
        await d.publish(ROUTING.dispatch(d.workerId), d.dispatchEnvelope(id, 'bench.trivial'));
        await clock.wait(id);
      });
      return { concurrency: c, n, perSec };
    };
    const throughput = { unit: 'executions/s', engineFloor: [] as object[], adapter1: [] as object[], adapter2: [] as object[] };
    for (const c of CFG.concurrency) {
      const f = { concurrency: c, n: CFG.tputN(c), perSec: await closedLoop(c, CFG.tputN(c), () => engineOnce()) };
      const a = await adapterTput(c);
      throughput.engineFloor.push(f);
      throughput.adapter1.push({ ...a, ratioToEngine: ratio(a.perSec, f.perSec) });
      log(`throughput c=${c}: adapter(1 agent) ${a.perSec}/s, engine floor ${f.perSec}/s`);
    }
    const second = d.startAgent();
    const secondLog = path.join(d.dir, 'agent-1.log');
    await until(() => (existsSync(secondLog) && readFileSync(secondLog, 'utf8').includes('agent polling') ? true : undefined), 60_000, 'second agent polling', 50);
    for (const c of CFG.concurrency) {
      const a = await adapterTput(c);
      const f = throughput.engineFloor.find((x) => (x as { concurrency: number }).concurrency === c) as { perSec: number };
      throughput.adapter2.push({ ...a, ratioToEngine: ratio(a.perSec, f.perSec) });
      log(`throughput c=${c}: adapter(2 agents) ${a.perSec}/s`);
    }
    const secondStopped = second.stop(); // graceful; it stops polling at once, exits within its grace
    results.throughput = throughput;

    // ---- 3. agent cold start, idle RSS, bundle ----
    results.agent = await agentFigures(d, floorMarkers, extra);

    // ---- 4. big output ----
    results.bigOutput = await bigOutput(d, clock, floorMarkers);

    // ---- 5. cancellation, then agent loss ----
    results.cancel = await cancellation(d, clock, floorMarkers, floorQueue);
    await secondStopped;
    results.agentLoss = await agentLoss(d);

    const durationSeconds = Math.round((Date.now() - t0Run) / 1000);
    results.meta = { ...(results.meta as object), durationSeconds, bundleBuildSeconds, measureSeconds: durationSeconds - bundleBuildSeconds, loadavgAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100) };
    mkdirSync(OUT_DIR, { recursive: true });
    const stamp = started.toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
    const json = JSON.stringify(results, null, 2);
    writeFileSync(path.join(OUT_DIR, `${stamp}.json`), json);
    writeFileSync(path.join(OUT_DIR, 'latest.json'), json);
    writeFileSync(path.join(OUT_DIR, 'latest.svg'), renderSvg(results as never));
    (results.meta as { file?: string }).file = `${stamp}.json`;
    writeFileSync(path.join(OUT_DIR, 'latest.md'), renderTable(results as never));
    if (!QUICK && OUT_DIR === path.join(__dirname, 'results')) updateReadme(path.join(__dirname, 'README.md'), results as never);
    log(`wrote ${path.join(OUT_DIR, `${stamp}.json`)} and latest.svg in ${Math.round((Date.now() - t0Run) / 1000)} s`);
  } finally {
    for (const w of [...floorWorkers, ...extra]) await w.stop().catch(() => undefined);
    await cleanupExtraWorkerQueues(d, clock).catch(() => undefined);
    await clock.close();
    await d.teardown().catch((err) => log(`teardown: ${String(err)}`));
  }
}

/** Cold-start pools register their own worker rows (and queues); remove those queues at the end. */
async function cleanupExtraWorkerQueues(d: TestDeployment, clock: CompletionClock): Promise<void> {
  const { rows } = await d.db.query<{ id: string }>(`SELECT id FROM worker WHERE name LIKE $1`, [`${d.pool}-cold%`]);
  for (const { id } of rows) {
    for (const k of ['executions', 'cancel', 'packs', 'packtests']) await clock.channel?.deleteQueue(`worker.${id}.${k}`).catch(() => undefined);
  }
}

async function workerRowActive(d: TestDeployment, name: string): Promise<true | undefined> {
  const { rows } = await d.db.query(`SELECT 1 FROM worker WHERE name = $1 AND status = 'active'`, [name]);
  return rows.length > 0 ? true : undefined;
}

async function agentFigures(d: TestDeployment, floorMarkers: string, extra: Watched[]) {
  log(`agent cold start: ${CFG.coldTrials} trials each from node, bundle (if built), bare node, floor worker`);
  const nodeTrials: { toPollMs: number; toRowActiveMs: number; idleRssKiB: number }[] = [];
  for (let i = 0; i < CFG.coldTrials; i++) {
    const name = `${d.pool}-cold${i}`;
    const w = new Watched(process.execPath, [CLI, 'agent'], d.agentEnv({ ATTUNE_WORKER_NAME: name }), path.join(d.dir, `cold-${i}.log`));
    extra.push(w);
    const [poll, row] = await Promise.all([w.line(/agent polling/), until(() => workerRowActive(d, name), 60_000, `worker row ${name}`, 10).then(() => nowMs())]);
    await sleep(CFG.idleMs);
    nodeTrials.push({ toPollMs: poll - w.startedAt, toRowActiveMs: row - w.startedAt, idleRssKiB: procStatusKiB(w.child.pid!, 'VmRSS') });
    await w.kill();
  }
  const floorTrials: { toPollMs: number; idleRssKiB: number }[] = [];
  const bareNode: number[] = [];
  for (let i = 0; i < CFG.coldTrials; i++) {
    const w = new Watched(process.execPath, [path.join(__dirname, 'floor-worker.js'), `bench-cold-${d.id}-${i}`, String(AGENT_SLOTS), '--activities-only'], { ...process.env, MARKER_DIR: floorMarkers }, path.join(d.dir, `floor-cold-${i}.log`));
    extra.push(w);
    const poll = await w.line(/^polling/);
    await sleep(CFG.idleMs);
    floorTrials.push({ toPollMs: poll - w.startedAt, idleRssKiB: procStatusKiB(w.child.pid!, 'VmRSS') });
    await w.kill();
    const t0 = nowMs();
    spawnSync(process.execPath, ['-e', '0']);
    bareNode.push(nowMs() - t0);
  }
  const fromNode = {
    toPollMs: summarize(nodeTrials.map((t) => t.toPollMs)),
    toRowActiveMs: summarize(nodeTrials.map((t) => t.toRowActiveMs)),
    idleRssMiB: MiB(Math.max(...nodeTrials.map((t) => t.idleRssKiB))),
  };
  const floor = { toPollMs: summarize(floorTrials.map((t) => t.toPollMs)), idleRssMiB: MiB(Math.max(...floorTrials.map((t) => t.idleRssKiB))) };
  const bundle = await bundleFigures(d, extra);
  return {
    coldStart: {
      unit: 'ms',
      fromNode,
      fromBundle: bundle.coldStart,
      engineFloorActivitiesOnlyWorker: floor,
      bareNodeStartExit: summarize(bareNode),
      ratioNodeToFloorPoll: ratio(fromNode.toPollMs.p50, floor.toPollMs.p50),
    },
    idleRssMiB: { agentFromNode: fromNode.idleRssMiB, agentFromBundle: bundle.idleRssMiB, engineFloorWorker: floor.idleRssMiB, ratioToFloor: ratio(fromNode.idleRssMiB, floor.idleRssMiB) },
    bundleSize: bundle.size,
  };
}

type NotAvailable = { notAvailable: string };

/**
 * The injected bundle, if this build has `bundle`: built into a temp dir, its sizes measured, and its agent
 * started the way a container would (the bundle bind-mounted at /opt/attune/agent, in a private mount
 * namespace so the host's /opt is untouched).
 */
/** Builds the agent bundle (or finds it in the cache); the build is never inside a figure. */
function ensureBundle(): { out: string; dir: string; buildSeconds: number | null } | NotAvailable {
  const help = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
  if (!/\bbundle\b/.test(help.stdout)) return { notAvailable: 'this build has no `bundle` command' };
  // Built once per build of dist/ and kept (a build takes 1–1.5 min): keyed by a hash of the compiled code.
  const cacheParent = path.join(process.env.ATTUNE_TEMPORAL_CACHE ?? '/var/cache/attune-temporal', 'bench-bundle');
  const key = distHash();
  const out = process.env.BENCH_BUNDLE_DIR ?? path.join(cacheParent, key);
  if (!process.env.BENCH_BUNDLE_DIR && existsSync(cacheParent)) {
    for (const old of readdirSync(cacheParent)) if (old !== key) rmSync(path.join(cacheParent, old), { recursive: true, force: true });
  }
  const find = () => (existsSync(out) ? readdirSync(out).map((f) => path.join(out, f)).find((f) => statSync(f).isDirectory() && existsSync(path.join(f, 'attune-agent'))) : undefined);
  const found = find();
  if (found) return { out, dir: found, buildSeconds: null };
  log(`building the agent bundle into ${out} (not part of any figure)`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [CLI, 'bundle', '--out', out], { encoding: 'utf8', timeout: 600_000 });
  const dir = find();
  if (r.status !== 0 || !dir) return { notAvailable: `bundle build failed: ${(r.stderr || r.stdout || String(r.error)).trim().split('\n').slice(-3).join(' | ')}` };
  const buildSeconds = Math.round((Date.now() - t0) / 1000);
  log(`bundle built in ${buildSeconds} s`);
  return { out, dir, buildSeconds };
}

let bundleBuildSeconds = 0;

/**
 * The injected bundle, if this build has `bundle`: its sizes, and its agent started the way a container would
 * (the bundle bind-mounted at /opt/attune/agent, in a private mount namespace so the host's /opt is untouched).
 */
async function bundleFigures(d: TestDeployment, extra: Watched[]): Promise<{ coldStart: object | NotAvailable; idleRssMiB: number | NotAvailable; size: object | NotAvailable }> {
  const built = ensureBundle();
  if ('notAvailable' in built) return { coldStart: built, idleRssMiB: built, size: built };
  const { out, dir, buildSeconds } = built;
  bundleBuildSeconds += buildSeconds ?? 0;
  const du = (p: string): number => (statSync(p).isDirectory() ? readdirSync(p).reduce((s, f) => s + du(path.join(p, f)), 0) : statSync(p).size);
  const tarballs = readdirSync(out).filter((f) => /\.tar\.(gz|zst)$/.test(f)).map((f) => ({ file: f, bytes: statSync(path.join(out, f)).size }));
  const size = {
    buildSeconds,
    rawBytes: du(dir),
    rawMiB: Math.round((du(dir) / 1048576) * 10) / 10,
    tarGzBytes: tarballs.find((t) => t.file.endsWith('.tar.gz'))?.bytes ?? null,
    tarZstBytes: tarballs.find((t) => t.file.endsWith('.tar.zst'))?.bytes ?? null,
  };
  if (!existsSync('/usr/bin/unshare') && !existsSync('/bin/unshare')) {
    const na = { notAvailable: 'unshare(1) missing: cannot mount the bundle at /opt/attune/agent privately' };
    return { coldStart: na, idleRssMiB: na, size };
  }
  const trials: { toPollMs: number; toRowActiveMs: number; idleRssKiB: number }[] = [];
  try {
    for (let i = 0; i < CFG.coldTrials; i++) {
      const name = `${d.pool}-coldb${i}`;
      // The mount setup runs before exec of the launcher; its cost (~ms) is inside the figure, stated in README.
      const script = `mount -t tmpfs bench /opt && mkdir -p /opt/attune/agent && mount --bind "$1" /opt/attune/agent && exec /opt/attune/agent/attune-agent`;
      const w = new Watched('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', dir], d.agentEnv({ ATTUNE_WORKER_NAME: name }), path.join(d.dir, `coldb-${i}.log`));
      extra.push(w);
      const [poll, row] = await Promise.all([w.line(/agent polling/, 60_000), until(() => workerRowActive(d, name), 60_000, `worker row ${name}`, 10).then(() => nowMs())]);
      await sleep(CFG.idleMs);
      trials.push({ toPollMs: poll - w.startedAt, toRowActiveMs: row - w.startedAt, idleRssKiB: agentTreeRssKiB(w.child.pid!) });
      await w.kill(); // the launcher's child (node) has PR_SET_PDEATHSIG(SIGKILL)
    }
  } catch (err) {
    const na = { notAvailable: `bundle agent did not start: ${String(err).slice(0, 300)}` };
    return { coldStart: na, idleRssMiB: na, size };
  }
  return {
    coldStart: { toPollMs: summarize(trials.map((t) => t.toPollMs)), toRowActiveMs: summarize(trials.map((t) => t.toRowActiveMs)) },
    idleRssMiB: MiB(Math.max(...trials.map((t) => t.idleRssKiB))),
    size,
  };
}

/** The compiled code the bundle is made from (dist/, without any bundle output in it) and the lock file. */
function distHash(): string {
  const root = path.join(__dirname, '..');
  const h = createHash('sha256');
  const walk = (dir: string) => {
    for (const f of readdirSync(dir).sort()) {
      const p = path.join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.js')) h.update(p).update(readFileSync(p));
    }
  };
  for (const sub of ['src', 'activities', 'workflows', 'bridge']) if (existsSync(path.join(root, 'dist', sub))) walk(path.join(root, 'dist', sub));
  h.update(readFileSync(path.join(root, 'package-lock.json')));
  return h.digest('hex').slice(0, 16);
}

/** RSS of a process and its descendants (the bundle's launcher stays as init and runs node as its child). */
function agentTreeRssKiB(pid: number): number {
  let total = 0;
  const visit = (p: number) => {
    try {
      total += procStatusKiB(p, 'VmRSS');
    } catch {
      return;
    }
    let children = '';
    try {
      children = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8');
    } catch {
      /* no children file */
    }
    for (const c of children.split(' ').filter(Boolean)) visit(Number(c));
  };
  visit(pid);
  return total;
}

async function bigOutput(d: TestDeployment, clock: CompletionClock, floorMarkers: string) {
  const bytes = CFG.bigBytes;
  log(`big output: ${bytes / 1048576} MiB to stdout, through the agent and through bare execa`);
  const agent = d.agents[0]!;
  const pid = agent.pid;
  const rssBefore = procStatusKiB(pid, 'VmRSS');
  const hwmBefore = procStatusKiB(pid, 'VmHWM');
  let peak = rssBefore;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, procStatusKiB(pid, 'VmRSS'));
      await sleep(20);
    }
  })();
  const id = await d.createExecution('bench.big_output', { bytes });
  const env = d.dispatchEnvelope(id, 'bench.big_output', { bytes });
  const t0 = nowMs();
  await d.publish(ROUTING.dispatch(d.workerId), env);
  const done = await clock.wait(id, 600_000);
  sampling = false;
  await sampler;
  const hwmAfter = procStatusKiB(pid, 'VmHWM');
  const m = readMarker(d.markerDir, id);
  const row = await d.row(id);
  const MB = bytes / 1e6;
  // Floor: the same script under bare execa, stdout streamed into a file.
  const fid = `big-${d.id}`;
  const file = path.join(floorMarkers, 'big.out');
  const f0 = nowMs();
  const child = execa('/bin/bash', [SCRIPTS.bigOutput], { input: JSON.stringify({ bytes }), env: { ...process.env, MARKER_DIR: floorMarkers, ATTUNE_EXEC_ID: fid }, buffer: false });
  child.stdout!.pipe(createWriteStream(file));
  await child;
  const fDone = nowMs();
  const fm = readMarker(floorMarkers, fid);
  rmSync(file, { force: true });
  const captureMBps = Math.round((MB / ((m.exit - m.start) / 1000)) * 10) / 10;
  const floorMBps = Math.round((MB / ((fm.exit - fm.start) / 1000)) * 10) / 10;
  return {
    bytes,
    finalStatus: row.status,
    agent: {
      rssBeforeMiB: MiB(rssBefore),
      rssPeakSampledMiB: MiB(peak),
      rssGrowthMiB: MiB(peak - rssBefore),
      vmHwmBeforeMiB: MiB(hwmBefore),
      vmHwmAfterMiB: MiB(hwmAfter),
      captureMBps,
      dispatchToCompletedMBps: Math.round((MB / ((done - t0) / 1000)) * 10) / 10,
    },
    processFloor: { captureMBps: floorMBps, endToEndMBps: Math.round((MB / ((fDone - f0) / 1000)) * 10) / 10 },
    ratioCaptureToFloor: ratio(captureMBps, floorMBps),
  };
}

async function cancellation(d: TestDeployment, clock: CompletionClock, floorMarkers: string, floorQueue: string) {
  log(`cancellation: ${CFG.cancelN} each (adapter, engine floor, process floor)`);
  const exists = (p: string) => (existsSync(p) ? true : undefined);
  const written = (p: string) => (existsSync(p) && readFileSync(p, 'utf8').endsWith('\n') ? true : undefined);
  const term = (dir: string, id: number | string) => nsToMs(readFileSync(path.join(dir, `term.${id}`), 'utf8'));
  const adapter: number[] = [];
  const toCompleted: number[] = [];
  const engine: number[] = [];
  const proc: number[] = [];
  for (let i = 0; i < CFG.cancelN; i++) {
    const id = await d.createExecution('bench.trap_term');
    await d.publish(ROUTING.dispatch(d.workerId), d.dispatchEnvelope(id, 'bench.trap_term'));
    await until(() => exists(path.join(d.markerDir, `start.${id}`)), 60_000, `start of ${id}`);
    await until(async () => ((await d.row(id)).status === 'running' ? true : undefined), 60_000, `${id} running`);
    // What Attune's API does: `canceling`, then the cancel message. The clock starts at the publish.
    await d.db.query(`UPDATE execution SET status = 'canceling' WHERE id = $1 AND status = 'running'`, [id]);
    const msg = newEnvelope('ExecutionCancelRequested', { execution_id: id, worker_id: d.workerId }, 'api-service');
    const t0 = nowMs();
    await d.publish(ROUTING.cancel(d.workerId), msg);
    await until(() => written(path.join(d.markerDir, `term.${id}`)), 60_000, `TERM of ${id}`, 2);
    adapter.push(term(d.markerDir, id) - t0);
    toCompleted.push((await clock.wait(id)) - t0);

    const wid = `floorc-${d.id}-${i}`;
    const h = await d.temporal.workflow.start('floorCancelWorkflow', { taskQueue: floorQueue, workflowId: wid, args: [{ script: SCRIPTS.trapTerm, id: wid, stdin: '' }] });
    await until(() => exists(path.join(floorMarkers, `start.${wid}`)), 60_000, `start of ${wid}`);
    const e0 = nowMs();
    await h.signal('stop');
    await until(() => written(path.join(floorMarkers, `term.${wid}`)), 60_000, `TERM of ${wid}`, 2);
    engine.push(term(floorMarkers, wid) - e0);
    await h.result();

    const pid = `procc-${d.id}-${i}`;
    const child = execa('/bin/bash', [SCRIPTS.trapTerm], { env: { ...process.env, MARKER_DIR: floorMarkers, ATTUNE_EXEC_ID: pid }, reject: false });
    await until(() => exists(path.join(floorMarkers, `start.${pid}`)), 60_000, `start of ${pid}`);
    const p0 = nowMs();
    child.kill('SIGTERM');
    await until(() => written(path.join(floorMarkers, `term.${pid}`)), 60_000, `TERM of ${pid}`, 2);
    proc.push(term(floorMarkers, pid) - p0);
    await child;
  }
  const a = summarize(adapter);
  const e = summarize(engine);
  const p = summarize(proc);
  return {
    unit: 'ms',
    publishToSigterm: { adapter: a, engineFloor: e, processFloor: p, ratioToEngine: { p50: ratio(a.p50, e.p50), p99: ratio(a.p99, e.p99) } },
    publishToExecutionCompleted: summarize(toCompleted),
  };
}

async function agentLoss(d: TestDeployment) {
  log(`agent loss: SIGKILL of the agent mid-action, ${CFG.lossTrials} trial(s) (each waits out the heartbeat timeout)`);
  const heartbeatTimeoutSeconds = Number(String(RUN_HEARTBEAT_TIMEOUT).replace(/s$/, ''));
  const trials: { seconds: number; finalStatus: string }[] = [];
  for (let i = 0; i < CFG.lossTrials; i++) {
    const agent = d.agents[0]!.child.exitCode === null && d.agents[0]!.child.signalCode === null ? d.agents[0]! : d.startAgent();
    await d.waitForWorker();
    const id = await d.createExecution('bench.trap_term');
    await d.publish(ROUTING.dispatch(d.workerId), d.dispatchEnvelope(id, 'bench.trap_term'));
    await until(() => (existsSync(path.join(d.markerDir, `start.${id}`)) ? true : undefined), 60_000, `start of ${id}`);
    await until(async () => ((await d.row(id)).status === 'running' ? true : undefined), 60_000, `${id} running`);
    const t0 = nowMs();
    agent.child.kill('SIGKILL');
    const finalStatus = await until(async () => {
      const s = (await d.row(id)).status;
      return ['running', 'scheduled', 'requested', 'canceling'].includes(s) ? undefined : s;
    }, 180_000, `final status of ${id}`, 50);
    trials.push({ seconds: Math.round((nowMs() - t0) / 10) / 100, finalStatus });
    // The orphaned action (its own process group) outlived the agent: end it.
    const pid = Number(readFileSync(path.join(d.markerDir, `pid.${id}`), 'utf8'));
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  const s = summarize(trials.map((t) => t.seconds));
  return { unit: 's', killToFinalStatus: s, finalStatus: trials.map((t) => t.finalStatus), runHeartbeatTimeoutSeconds: heartbeatTimeoutSeconds, ratioToHeartbeatTimeout: ratio(s.p50, heartbeatTimeoutSeconds) };
}

main().then(
  () => process.exit(0),
  (err) => {
    log(`FAILED: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);

export type { Summary };
