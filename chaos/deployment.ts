import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readdirSync, statfsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { freePort } from '../test/helpers/deployment';
import { CliProcess } from '../test/helpers/processes';
import { ensureRootfs, RootfsProcess } from '../test/helpers/rootfs';
import { RootfsDeployment } from '../test/helpers/rootfs-deployment';
import { ensureAction } from '../src/demo/sample-pack';
import { procStatusKiB } from '../bench/stats';
import { WORKFLOW_TRACING_MODULES } from '../src/telemetry/workflow-interceptor-modules';
import { ReconnectingPublisher } from './bus';
import type { ChaosConfig } from './config';
import { log } from './log';
import { chaosUrls } from './services';

const QUIET = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const CHAOS_PACK = path.join(__dirname, 'packs', 'chaos');

/** The chaos pack's actions: one shell script in several modes, a python action with an environment. */
export const CHAOS_ACTIONS = {
  run: 'chaos.run',
  /** The same script, opted in to a retry on agent loss (action.max_retries). */
  runRetry: 'chaos.run_retry',
  python: 'chaos.py_six',
  /** The same script, text output (10 MiB of it is no JSON). */
  output: 'chaos.output',
} as const;

/** A bridge replica: its process and the HTTP port it keeps across restarts. */
interface BridgeReplica {
  process: CliProcess;
  port: number;
  peakHwmKiB: number;
}

interface AgentReplica {
  process: RootfsProcess;
  peakHwmKiB: number;
}

/**
 * The soak's deployment: the rootfs harness (database with Attune's schema, bus, Temporal; agents from the bundle
 * in a Debian root filesystem with python3, in their own mount and pid namespaces) with two bridge replicas on one
 * bridge queue, two agents of one pool, the artifacts volume a small tmpfs, and our own publisher that survives
 * broker restarts.
 */
export class ChaosDeployment {
  readonly rd = new RootfsDeployment();
  readonly bridges: BridgeReplica[] = [];
  readonly agents: AgentReplica[] = [];
  publisher!: ReconnectingPublisher;
  private workflowBundle = '';
  private rootfs = '';
  private bundle = '';
  private agentSeq = 0;
  private bridgeSeq = 0;
  /** Peak RSS of processes already gone (a killed process's VmHWM is read at the last sample before). */
  readonly peaks = { bridgeKiB: 0, agentKiB: 0 };

  constructor(
    private readonly cfg: ChaosConfig,
    private readonly cachedBundle: string,
    private readonly amqpUrl: string,
  ) {}

  get d() {
    return this.rd.d;
  }

  async setup(): Promise<void> {
    this.rootfs = ensureRootfs('debian-python');
    // Our own copy: the bench's cache keeps one bundle per build of dist/ and removes the others.
    this.bundle = path.join(this.d.dir, 'agent-bundle');
    execFileSync('cp', ['-a', this.cachedBundle, this.bundle]);
    // One workflow bundle for every bridge start (a restart takes seconds, not a webpack build), made as
    // docker/bridge.Dockerfile makes it.
    const { code } = await bundleWorkflowCode({
      workflowsPath: require.resolve('../dist/workflows'),
      workflowInterceptorModules: WORKFLOW_TRACING_MODULES,
      failureConverterPath: require.resolve('../dist/src/temporal/failure-converter'),
      logger: QUIET,
    });
    this.workflowBundle = path.join(this.d.dir, 'workflow-bundle.js');
    writeFileSync(this.workflowBundle, code);
    const firstPort = await freePort();
    await this.rd.setup({ bridgeEnv: this.bridgeEnv(firstPort), httpPort: firstPort });
    this.d.db.on('error', () => undefined); // idle clients lose their server during the PostgreSQL outage
    this.bridges.push({ process: this.d.bridge!, port: firstPort, peakHwmKiB: 0 });
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${this.cfg.artifactsMiB}m,mode=0777`, 'tmpfs', this.d.artifactsDir]);
    await this.installPack();
    this.publisher = new ReconnectingPublisher(this.amqpUrl);
    await this.startBridge(await freePort());
    await this.startAgent();
    this.d.workerId = await this.d.waitForWorker();
    await this.startAgent();
  }

  private bridgeEnv(port: number): Record<string, string> {
    return { ATTUNE_TEMPORAL_HTTP_PORT: String(port), ATTUNE_TEMPORAL_WORKFLOW_BUNDLE: this.workflowBundle, ATTUNE_TEMPORAL_RECONCILE_SECONDS: '30' };
  }

  /** The chaos pack beside the rootfs pack, its requirements served from the rootfs pack's local wheel. */
  private async installPack(): Promise<void> {
    const target = path.join(this.rd.packsDir, 'chaos');
    cpSync(CHAOS_PACK, target, { recursive: true });
    const wheels = path.join(this.rd.packsDir, 'rootfs', 'wheels');
    mkdirSync(path.join(target, 'wheels'));
    for (const w of readdirSync(wheels)) copyFileSync(path.join(wheels, w), path.join(target, 'wheels', w));
    writeFileSync(path.join(target, 'requirements.txt'), `--no-index\n--find-links ${path.join(target, 'wheels')}\nsix==1.17.0\n`);
    execFileSync('chmod', ['-R', 'a+rX', target]);
    await ensureAction(this.d.db, { ref: CHAOS_ACTIONS.run, entrypoint: 'run.sh', runtime: 'shell', outputFormat: 'json' });
    await ensureAction(this.d.db, { ref: CHAOS_ACTIONS.runRetry, entrypoint: 'run.sh', runtime: 'shell', outputFormat: 'json' });
    await ensureAction(this.d.db, { ref: CHAOS_ACTIONS.output, entrypoint: 'run.sh', runtime: 'shell', outputFormat: 'text' });
    await ensureAction(this.d.db, { ref: CHAOS_ACTIONS.python, entrypoint: 'py_six.py', runtime: 'python', outputFormat: 'json' });
    await this.d.db.query(`UPDATE action SET max_retries = 2 WHERE ref = $1`, [CHAOS_ACTIONS.runRetry]);
  }

  async startBridge(port: number): Promise<BridgeReplica> {
    const process = new CliProcess(['bridge'], this.d.bridgeEnv(this.bridgeEnv(port)), path.join(this.d.dir, `bridge-${this.bridgeSeq++}.log`));
    const replica = { process, port, peakHwmKiB: 0 };
    this.bridges.push(replica);
    return replica;
  }

  /** Replaces a bridge replica by a new process on the same port. */
  async restartBridge(replica: BridgeReplica): Promise<void> {
    this.bridges.splice(this.bridges.indexOf(replica), 1);
    await this.startBridge(replica.port);
  }

  async startAgent(): Promise<AgentReplica> {
    const process = new RootfsProcess(this.rootfs, ['/opt/attune/agent/attune-agent'], {
      bundle: this.bundle,
      // Named here: the rootfs harness keeps only what differs from this process's environment, which env.ts set.
      env: this.rd.agentEnv({ TEMPORAL_ADDRESS: chaosUrls.temporal, TEMPORAL_NAMESPACE: 'default', ATTUNE__WORKER__MAX_CONCURRENT_TASKS: String(this.cfg.agentSlots) }),
      binds: this.rd.binds(),
      logFile: path.join(this.d.dir, `agent-${this.agentSeq++}.log`),
    });
    await process.waitForOutput(/agent polling/, 120_000);
    const replica = { process, peakHwmKiB: 0 };
    this.agents.push(replica);
    return replica;
  }

  /** Signals an agent's launcher (PID 1 of its pid namespace: SIGKILL takes every action process with it). */
  async signalAgent(replica: AgentReplica, sig: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    this.agents.splice(this.agents.indexOf(replica), 1);
    const pid = replica.process.launcherPid();
    if (pid !== undefined) process.kill(pid, sig);
    const timer = setTimeout(() => replica.process.child.kill('SIGKILL'), 90_000);
    await replica.process.exited;
    clearTimeout(timer);
  }

  /** The artifacts volume filled to the last byte; returns the filler's path (removing it frees the volume). */
  fillArtifacts(): string {
    const filler = path.join(this.d.artifactsDir, '.chaos-filler');
    // Most of it at once, then the rest block by block until ENOSPC (the runs keep writing meanwhile).
    const fs = statfsSync(this.d.artifactsDir);
    execFileSync('fallocate', ['-l', String(Math.max(0, fs.bavail * fs.bsize - 16 * 1024 * 1024)), filler]);
    spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k', 'oflag=append', 'conv=notrunc'], { stdio: 'ignore' });
    return filler;
  }

  /** VmHWM of every live bridge and agent node process, kept as each replica's peak. */
  sampleRss(): void {
    for (const b of this.bridges) {
      try {
        b.peakHwmKiB = Math.max(b.peakHwmKiB, procStatusKiB(b.process.pid, 'VmHWM'));
        this.peaks.bridgeKiB = Math.max(this.peaks.bridgeKiB, b.peakHwmKiB);
      } catch {
        /* exited */
      }
    }
    for (const a of this.agents) {
      const pid = a.process.agentPid();
      if (pid === undefined) continue;
      try {
        a.peakHwmKiB = Math.max(a.peakHwmKiB, procStatusKiB(pid, 'VmHWM'));
        this.peaks.agentKiB = Math.max(this.peaks.agentKiB, a.peakHwmKiB);
      } catch {
        /* exited */
      }
    }
  }

  /** Agents first (their sessions close on the bridges), then the bridges. */
  async stopProcesses(): Promise<void> {
    await Promise.all(this.agents.map((a) => a.process.stop().catch(() => undefined)));
  }

  async stopBridges(): Promise<void> {
    await Promise.all(this.bridges.map((b) => b.process.stop()));
  }

  /** Whatever is still running of ours, then the volume. */
  async close(): Promise<void> {
    await this.stopProcesses().catch(() => undefined);
    await this.stopBridges().catch(() => undefined);
    await this.publisher?.close();
    try {
      execFileSync('umount', ['-l', this.d.artifactsDir], { stdio: 'ignore' });
    } catch {
      /* not mounted */
    }
    await this.d.db?.end().catch(() => undefined);
    log('deployment processes stopped');
  }
}
