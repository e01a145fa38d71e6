import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { eventually } from '../helpers/deployment';
import { bundleDir, childrenOf, ensureRootfs, isAlive, RootfsProcess } from '../helpers/rootfs';
import { RootfsDeployment } from '../helpers/rootfs-deployment';

/** The launcher as a container's PID 1 (and as a mere subreaper), shutdown, and cluster constraints. */

async function markerPids(r: RootfsDeployment, executionId: number): Promise<number[]> {
  const file = path.join(r.d.markerDir, `pids.${executionId}`);
  await eventually(async () => (existsSync(file) && readFileSync(file, 'utf8').includes(' ') ? true : undefined), 60_000, 'the action to start');
  return readFileSync(file, 'utf8').trim().split(' ').map(Number);
}

/** The V8 code cache the bundle builder made for the bundle under test (null: none, another host architecture). */
function bundleCodeCacheBytes(): number | null {
  return (JSON.parse(readFileSync(path.join(bundleDir(), 'BUNDLE.json'), 'utf8')) as { codeCacheBytes: number | null }).codeCacheBytes;
}

function zombieChildren(pid: number): number[] {
  return childrenOf(pid).filter((c) => {
    try {
      return /\)\s+Z/.test(readFileSync(`/proc/${c}/stat`, 'utf8'));
    } catch {
      return false;
    }
  });
}

describe('SIGTERM while an action runs (launcher is PID 1)', () => {
  let r: RootfsDeployment;
  beforeEach(async () => {
    r = await new RootfsDeployment().setup();
  }, 60_000);
  afterEach(() => r.teardown(), 120_000);

  it('lets the action finish within the grace period, then exits 0', async () => {
    const agent = await r.startAgent(ensureRootfs('busybox'), { env: { ATTUNE_AGENT_SHUTDOWN_GRACE_SECONDS: '20' } });
    const id = await r.d.dispatch('rootfs.nap', { seconds: 3 });
    await markerPids(r, id);
    const t0 = Date.now();
    process.kill(agent.launcherPid()!, 'SIGTERM');
    const row = await r.d.waitForCompletion(id, 20_000);
    expect(row).toMatchObject({ status: 'completed' });
    expect(row.result).toMatchObject({ succeeded: true, data: { slept: true } });
    expect(await agent.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(20_000);
  }, 120_000);

  it('stops an action that outlives the grace period and ends it failed with the shutdown error', async () => {
    const agent = await r.startAgent(ensureRootfs('busybox'), { env: { ATTUNE_AGENT_SHUTDOWN_GRACE_SECONDS: '3' } });
    const id = await r.d.dispatch('rootfs.nap', { seconds: 600 });
    await markerPids(r, id);
    const t0 = Date.now();
    process.kill(agent.launcherPid()!, 'SIGTERM');
    const exit = await agent.exited;
    expect(exit.code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(3_000 + 15_000);
    const row = await r.d.waitForCompletion(id, 60_000);
    expect(row.status).toBe('failed');
    expect(String(row.result!.error)).toMatch(/shut down/);
  }, 120_000);
});

describe('the launcher when it is not PID 1 (no pid namespace: e.g. Compose init: true)', () => {
  let r: RootfsDeployment;
  beforeEach(async () => {
    r = await new RootfsDeployment().setup();
  }, 60_000);
  afterEach(() => r.teardown(), 120_000);

  it('reaps orphans the actions leave behind (child subreaper)', async () => {
    const agent = await r.startAgent(ensureRootfs('busybox'), { pidNamespace: false });
    const launcher = agent.launcherPid()!;
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await r.d.dispatch('rootfs.orphan'));
    for (const id of ids) {
      const row = await r.d.waitForCompletion(id, 60_000);
      expect([row.status, row.result]).toEqual(['completed', expect.objectContaining({ data: { orphaned: true } })]);
    }
    // The `sleep 1` grandchildren were reparented to the launcher; they must not stay zombies.
    await new Promise((res) => setTimeout(res, 2500));
    expect(zombieChildren(launcher)).toEqual([]);
    expect(childrenOf(launcher)).toEqual([agent.agentPid()]);
  }, 120_000);

  it('SIGKILL of the agent leaves no action process behind', async () => {
    const agent = await r.startAgent(ensureRootfs('busybox'), { pidNamespace: false });
    const id = await r.d.dispatch('rootfs.nap', { seconds: 600 });
    const pids = await markerPids(r, id); // host pids: there is no pid namespace here
    expect(pids.every(isAlive)).toBe(true);
    process.kill(agent.agentPid()!, 'SIGKILL');
    const exit = await agent.exited;
    expect(exit.code).toBe(128 + 9); // the launcher reports how the agent ended
    await eventually(async () => (pids.some(isAlive) ? undefined : true), 5_000, 'the action processes to be gone');
  }, 120_000);
});

describe('the launcher SIGKILLed (no pid namespace, so nothing else takes the agent down)', () => {
  let r: RootfsDeployment;
  beforeEach(async () => {
    r = await new RootfsDeployment().setup();
  }, 60_000);
  afterEach(() => r.teardown(), 120_000);

  const uidOf = (pid: number) => /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];

  for (const user of [null, '65534:65534']) {
    it(`takes the agent with it (parent-death signal)${user ? ` after --user=${user}` : ''}`, async () => {
      const agent = await r.startAgent(ensureRootfs('busybox'), { pidNamespace: false, args: user ? [`--user=${user}`] : [] });
      const launcher = agent.launcherPid()!;
      const node = agent.agentPid()!;
      expect(uidOf(node)).toBe(user ? '65534' : '0');
      try {
        process.kill(launcher, 'SIGKILL');
        await eventually(async () => (isAlive(node) ? undefined : true), 5_000, 'the agent to die with its launcher');
      } finally {
        if (isAlive(node)) process.kill(node, 'SIGKILL');
      }
    }, 120_000);
  }
});

describe('cluster constraints', () => {
  let r: RootfsDeployment;
  beforeAll(async () => {
    r = await new RootfsDeployment().setup();
  }, 60_000);
  afterAll(() => r.teardown(), 120_000);

  it('an artifacts dir the (non-root) agent cannot write: one clear error, waiting instead of a crash loop', async () => {
    const readOnlyArtifacts = path.join(r.d.dir, 'ro-artifacts');
    mkdirSync(readOnlyArtifacts);
    chmodSync(readOnlyArtifacts, 0o755); // owned by root, agent runs as 65532
    const agent = new RootfsProcess(ensureRootfs('empty'), ['/opt/attune/agent/attune-agent'], {
      env: r.agentEnv({ ATTUNE__ARTIFACTS_DIR: readOnlyArtifacts, TMPDIR: '/tmp' }),
      binds: [...r.binds(), { dir: readOnlyArtifacts }],
      user: '65532:65532',
      readOnlyRoot: true,
    });
    try {
      await agent.waitForOutput(new RegExp(`artifacts dir ${readOnlyArtifacts} is not writable by uid 65532 gid 65532 \\(EACCES\\)`), 30_000);
      await new Promise((res) => setTimeout(res, 2000));
      expect(agent.child.exitCode).toBeNull(); // still there, not restarting
      expect(agent.stderr).not.toMatch(/agent polling/);
      const t0 = Date.now();
      expect(await agent.stop()).toEqual({ code: 0, signal: null });
      expect(Date.now() - t0).toBeLessThan(5_000);
    } finally {
      await agent.stop();
    }
  }, 90_000);

  it('measures cold start (exec → polling) in the empty rootfs and idle RSS', async () => {
    const starts: number[] = [];
    let rss = { agentKiB: 0, launcherKiB: 0 };
    for (let i = 0; i < 3; i++) {
      const t0 = process.hrtime.bigint();
      const agent = new RootfsProcess(ensureRootfs('empty'), ['/opt/attune/agent/attune-agent'], { env: r.agentEnv(), binds: r.binds() });
      await agent.waitForOutput(/agent polling/, 60_000);
      starts.push(Number(process.hrtime.bigint() - t0) / 1e6);
      // The bundle builder's V8 code cache was accepted by the bundle's node (src/bundle/agent-loader.ts); a host
      // of another architecture than the bundle's makes none (BUNDLE.json codeCacheBytes null).
      expect(agent.stderr).toContain(`"codeCache":"${bundleCodeCacheBytes() === null ? 'none' : 'used'}"`);
      if (i === 2) {
        await new Promise((res) => setTimeout(res, 5000));
        const vmRss = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
        rss = { agentKiB: vmRss(agent.agentPid()!), launcherKiB: vmRss(agent.launcherPid()!) };
      }
      expect(await agent.stop()).toEqual({ code: 0, signal: null });
    }
    const sorted = [...starts].sort((a, b) => a - b);
    const result = { coldStartMs: starts.map(Math.round), medianMs: Math.round(sorted[1]!), idleRss: rss };
    mkdirSync(path.join(__dirname, '..', '..', '.tmp'), { recursive: true });
    writeFileSync(path.join(__dirname, '..', '..', '.tmp', 'rootfs-measurements.json'), `${JSON.stringify(result, null, 2)}\n`);
    process.stderr.write(`rootfs measurements: ${JSON.stringify(result)}\n`);
    expect(result.medianMs).toBeLessThan(10_000);
    expect(rss.agentKiB).toBeGreaterThan(10_000);
    expect(rss.agentKiB).toBeLessThan(400_000);
  }, 180_000);
});
