import { ensureRootfs, type RunOptions } from '../helpers/rootfs';
import { RootfsDeployment } from '../helpers/rootfs-deployment';

/**
 * From an Attune dispatch to the final row, with the agent injected into each root filesystem:
 * the bundle is the only thing it brings; the action uses what the image has.
 */
const CASES: { name: string; rootfs: Parameters<typeof ensureRootfs>[0]; action: string; params?: Record<string, unknown>; run?: RunOptions & { env?: Record<string, string>; args?: string[] }; expected: Record<string, unknown> }[] = [
  { name: 'empty rootfs: a static native action', rootfs: 'empty', action: 'rootfs.native_static', expected: { native: true } },
  { name: "musl-only rootfs: a native action linked against the image's musl", rootfs: 'musl', action: 'rootfs.native_musl', expected: { native: true } },
  {
    name: "busybox rootfs: a shell action sees the image's NODE_OPTIONS / LD_LIBRARY_PATH and none of the agent's settings",
    rootfs: 'busybox',
    action: 'rootfs.env_report',
    params: { who: 'busybox' },
    run: { env: { NODE_OPTIONS: '--require=/app/otel.js', LD_LIBRARY_PATH: '/usr/local/cuda/lib64' } },
    // The agent runs as root, so the action runs under its own uid (ATTUNE_AGENT_ACTION_USER's default, nobody).
    expected: { params: { who: 'busybox' }, node_options: '--require=/app/otel.js', ld_library_path: '/usr/local/cuda/lib64', ssl_cert_file: 'unset', uid: '65534' },
  },
  {
    name: 'busybox rootfs, read-only root and uid 65532: a shell action',
    rootfs: 'busybox',
    action: 'rootfs.env_report',
    params: { who: 'nobody' },
    run: { readOnlyRoot: true, user: '65532:65532', env: { TMPDIR: '/tmp' } },
    expected: { params: { who: 'nobody' }, node_options: 'unset', ld_library_path: 'unset', ssl_cert_file: 'unset', uid: '65532' },
  },
  {
    name: 'busybox rootfs started as root with --user=65532:65532: the launcher drops privileges before the agent starts',
    rootfs: 'busybox',
    action: 'rootfs.env_report',
    params: { who: 'dropped' },
    run: { args: ['--user=65532:65532'] },
    expected: { params: { who: 'dropped' }, uid: '65532' },
  },
  {
    name: 'Debian minbase with python3: a python action with a requirements.txt (lazy virtualenv)',
    rootfs: 'debian-python',
    action: 'rootfs.six_version',
    expected: { six: '1.17.0', python: expect.stringMatching(/^3\.11\./) },
  },
];

describe.each(CASES)('$name', ({ rootfs, action, params, run, expected }) => {
  const r = new RootfsDeployment();
  beforeAll(async () => {
    await r.setup();
    await r.startAgent(ensureRootfs(rootfs), run);
  }, 180_000);
  afterAll(() => r.teardown(), 120_000);

  it('runs an execution end to end', async () => {
    const id = await r.d.dispatch(action, params ?? {});
    const row = await r.d.waitForCompletion(id, 150_000);
    if (row.status !== 'completed') process.stderr.write(`result: ${JSON.stringify(row.result)}\n`);
    expect(row.result).toMatchObject({ succeeded: true, exit_code: 0, data: expected });
    expect(row.status).toBe('completed');
    if (action === 'rootfs.six_version') expect(String((row.result!.data as { prefix: string }).prefix)).toContain(r.runtimeEnvsDir);
  }, 180_000);
});
