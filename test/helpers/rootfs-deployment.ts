import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { ensureAction } from '../../src/demo/sample-pack';
import { TestDeployment } from './deployment';
import { preparePacks, RootfsProcess, type RunOptions } from './rootfs';

export const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * A TestDeployment (real bridge, database, bus, Temporal) whose agent runs from the bundle inside a
 * root filesystem. The artifacts, runtime-envs and marker dirs are bind-mounted at their host paths,
 * so the bridge reads the agent's logs where it wrote them.
 */
export class RootfsDeployment {
  readonly d = new TestDeployment();
  packsDir = '';
  runtimeEnvsDir = '';
  agent: RootfsProcess | null = null;

  async setup(opts: { bridgeEnv?: Record<string, string>; httpPort?: number } = {}): Promise<this> {
    await this.d.setup({ agent: false, bridgeEnv: opts.bridgeEnv, httpPort: opts.httpPort });
    this.packsDir = preparePacks(this.d.dir);
    this.runtimeEnvsDir = path.join(this.d.dir, 'runtime_envs');
    mkdirSync(this.runtimeEnvsDir, { recursive: true });
    // Writable by the non-root variant (uid 65532) too, like a volume with fsGroup.
    for (const dir of [this.d.artifactsDir, this.d.markerDir, this.runtimeEnvsDir]) chmodSync(dir, 0o777);
    for (const [ref, entrypoint, runtime] of [
      ['rootfs.env_report', 'env_report.sh', 'shell'],
      ['rootfs.nap', 'nap.sh', 'shell'],
      ['rootfs.orphan', 'orphan.sh', 'shell'],
      ['rootfs.hunt_secrets', 'hunt_secrets.sh', 'shell'],
      ['rootfs.six_version', 'six_version.py', 'python'],
      ['rootfs.native_static', 'native_static', 'shell'],
      ['rootfs.native_musl', 'native_musl', 'shell'],
    ] as const) {
      await ensureAction(this.d.db, { ref, entrypoint, runtime, outputFormat: 'json' });
    }
    await ensureAction(this.d.db, { ref: 'rootfs.isolation_probe', entrypoint: 'isolation_probe.sh', runtime: 'shell', outputFormat: 'json', parameterDelivery: 'file' });
    // Native actions have no runtime: the entrypoint itself is executed.
    await this.d.db.query(`UPDATE action SET runtime = NULL WHERE ref LIKE 'rootfs.native%'`);
    return this;
  }

  agentEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
    const all = this.d.agentEnv({ PATH: IMAGE_PATH, HOME: '/', ATTUNE__PACKS_BASE_DIR: this.packsDir, ATTUNE__RUNTIME_ENVS_DIR: this.runtimeEnvsDir, ...extra });
    // The agent's own default for who actions run as (the e2e harness sets `same`).
    if (!('ATTUNE_AGENT_ACTION_USER' in extra)) delete all.ATTUNE_AGENT_ACTION_USER;
    // Only what the deployment sets: the host's own environment is not the image's.
    return Object.fromEntries(Object.entries(all).filter(([k, v]) => k in extra || process.env[k] !== v));
  }

  binds(): NonNullable<RunOptions['binds']> {
    return [{ dir: this.d.artifactsDir }, { dir: this.d.markerDir }, { dir: this.runtimeEnvsDir }, { dir: this.packsDir, readOnly: true }];
  }

  /** Starts the chrooted agent and waits for the bridge to register its pool's worker row. */
  async startAgent(rootfs: string, opts: RunOptions & { env?: Record<string, string>; args?: string[]; command?: string[] } = {}): Promise<RootfsProcess> {
    this.agent = new RootfsProcess(rootfs, [...(opts.command ?? ['/opt/attune/agent/attune-agent']), ...(opts.args ?? [])], {
      ...opts,
      env: this.agentEnv(opts.env ?? {}),
      binds: [...this.binds(), ...(opts.binds ?? [])],
      logFile: path.join(this.d.dir, 'agent.log'),
    });
    await this.agent.waitForOutput(/agent polling/, 60_000);
    this.d.workerId = await this.d.waitForWorker();
    return this.agent;
  }

  async teardown(): Promise<void> {
    await this.agent?.stop().catch(() => undefined);
    await this.d.teardown();
  }
}
