import path from 'node:path';
import { BUNDLE_PARENT, RootfsProcess, ensureRootfs } from '../helpers/rootfs';
import { RootfsDeployment } from '../helpers/rootfs-deployment';

const SCRIPTS = path.join(__dirname, '..', '..', 'scripts');
const TOKEN = 'bootstrap-token-for-tests';

/**
 * An image with nothing but busybox and no agent copy: scripts/attune-agent-wrapper.sh downloads the
 * bundle from the bridge's Attune-compatible endpoint, checks its SHA-256, unpacks it and runs it.
 */
describe('the wrapper script in a busybox image', () => {
  const r = new RootfsDeployment();
  let wrapper: RootfsProcess | null = null;
  beforeAll(async () => {
    await r.setup({ bridgeEnv: { ATTUNE__AGENT__BINARY_DIR: BUNDLE_PARENT, ATTUNE__AGENT__BOOTSTRAP_TOKEN: TOKEN } });
  }, 180_000);
  afterAll(async () => {
    await wrapper?.stop().catch(() => undefined);
    await r.teardown();
  }, 60_000);

  it('the endpoint refuses a missing or wrong token and an unknown arch, like Attune', async () => {
    const base = `http://127.0.0.1:${r.d.httpPort}/api/v1/agent`;
    expect((await fetch(`${base}/binary?arch=x86_64`)).status).toBe(401);
    expect((await fetch(`${base}/binary?arch=x86_64`, { headers: { 'X-Agent-Token': 'nope' } })).status).toBe(401);
    expect((await fetch(`${base}/binary?arch=sparc`, { headers: { 'X-Agent-Token': TOKEN } })).status).toBe(400);
    const arm = await fetch(`${base}/binary.sha256?arch=arm64`, { headers: { 'X-Agent-Token': TOKEN } });
    expect([200, 404]).toContain(arm.status); // arm64 is an alias of aarch64 (built or not)
    const info = (await (await fetch(`${base}/info`)).json()) as { architectures: { arch: string; available: boolean }[] };
    expect(info.architectures.find((a) => a.arch === 'x86_64')?.available).toBe(true);
  });

  it('downloads, verifies and starts the agent, which then runs an execution', async () => {
    wrapper = new RootfsProcess(ensureRootfs('busybox'), ['/bin/sh', `${SCRIPTS}/attune-agent-wrapper.sh`], {
      bundle: '-',
      env: r.agentEnv({ ATTUNE_AGENT_DOWNLOAD_URL: `http://127.0.0.1:${r.d.httpPort}`, ATTUNE_AGENT_TOKEN: TOKEN }),
      binds: [...r.binds(), { dir: SCRIPTS, readOnly: true }],
      logFile: path.join(r.d.dir, 'wrapper-agent.log'),
    });
    await wrapper.waitForOutput(/agent polling/, 90_000);
    r.d.workerId = await r.d.waitForWorker();
    const id = await r.d.dispatch('rootfs.env_report', { who: 'downloaded' });
    const row = await r.d.waitForCompletion(id, 90_000);
    expect(row.result).toMatchObject({ succeeded: true, data: { params: { who: 'downloaded' } } });
  }, 200_000);

  it('stops with a clear error when the bridge refuses the download', async () => {
    const bad = new RootfsProcess(ensureRootfs('busybox'), ['/bin/sh', `${SCRIPTS}/attune-agent-wrapper.sh`], {
      bundle: '-',
      env: r.agentEnv({ ATTUNE_AGENT_DOWNLOAD_URL: `http://127.0.0.1:${r.d.httpPort}`, ATTUNE_AGENT_TOKEN: 'wrong-token' }),
      binds: [{ dir: SCRIPTS, readOnly: true }],
      logFile: path.join(r.d.dir, 'wrapper-bad.log'),
    });
    const exit = await bad.exited;
    expect(exit.code).not.toBe(0);
    expect(bad.stderr + bad.stdout).toMatch(/attune-agent-wrapper: download from .* failed/);
  }, 60_000);
});
