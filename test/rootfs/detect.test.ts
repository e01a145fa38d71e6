import { execFileSync } from 'node:child_process';
import { bundleDir, buildBundle, derivedRootfs, ensureRootfs, runInRootfs, type RootfsKind } from '../helpers/rootfs';

/** `attune-agent --detect-only` in each root filesystem: exactly the runtimes the image has. */

interface Report {
  runtimes: { name: string; path: string; version: string | null }[];
}

const AGENT = '/opt/attune/agent/attune-agent';
const ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ATTUNE_WORKER_NAME: 'detect-test' };

function report(stdout: string): Report {
  return JSON.parse(stdout.slice(0, stdout.lastIndexOf('}') + 1)) as Report;
}

const EXPECTED: Record<RootfsKind, { name: string; path: string; version?: RegExp }[]> = {
  empty: [],
  musl: [],
  busybox: [{ name: 'shell', path: '/bin/sh' }],
  // minbase has bash and perl-base; python3 was added by debootstrap --include.
  'debian-python': [
    { name: 'shell', path: '/bin/bash', version: /^5\.2/ },
    { name: 'python', path: '/usr/bin/python3', version: /^3\.11\./ },
    { name: 'perl', path: '/usr/bin/perl', version: /^5\.36/ },
  ],
};

describe.each(Object.keys(EXPECTED) as RootfsKind[])('--detect-only in the %s rootfs', (kind) => {
  it('reports exactly the runtimes the image has', async () => {
    const out = await runInRootfs(ensureRootfs(kind), [AGENT, '--detect-only'], { env: ENV });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const { runtimes } = report(out.stdout);
    expect(runtimes.map((r) => [r.name, r.path])).toEqual(EXPECTED[kind].map((e) => [e.name, e.path]));
    for (const e of EXPECTED[kind]) if (e.version) expect(runtimes.find((r) => r.name === e.name)!.version).toMatch(e.version);
    expect(out.stdout).toContain(`ATTUNE_WORKER_RUNTIMES=${EXPECTED[kind].map((e) => e.name).join(',')}\n`);
  });
});

describe('the image environment', () => {
  it("does not reach the agent's node (NODE_OPTIONS, LD_LIBRARY_PATH, LD_PRELOAD would break it)", async () => {
    const out = await runInRootfs(ensureRootfs('busybox'), [AGENT, '--detect-only'], {
      env: { ...ENV, NODE_OPTIONS: '--require=/app/otel.js', LD_PRELOAD: '/no/such/lib.so', LD_LIBRARY_PATH: '/usr/local/cuda/lib64', NODE_EXTRA_CA_CERTS: '/no/such.pem' },
    });
    // The runner's own (host) chroot binary sees LD_PRELOAD too and complains once; a second line
    // would come from the agent's loader, i.e. the launcher failed to hide it.
    const complaints = out.stderr.split('\n').filter((l) => l.includes("'/no/such/lib.so' from LD_PRELOAD"));
    expect(complaints).toHaveLength(1);
    expect(out.stderr.replace(complaints[0]!, '').trim()).toBe('');
    expect(out.code).toBe(0);
    expect(report(out.stdout).runtimes.map((r) => r.name)).toEqual(['shell']);
  });

  it('ATTUNE_WORKER_RUNTIMES keeps only the named runtimes', async () => {
    const out = await runInRootfs(ensureRootfs('debian-python'), [AGENT, '--detect-only'], { env: { ...ENV, ATTUNE_WORKER_RUNTIMES: 'python3' } });
    expect(out.code).toBe(0);
    expect(report(out.stdout).runtimes.map((r) => r.name)).toEqual(['python']);
  });
});

describe('.attune-runtime.yaml', () => {
  it('declares custom interpreters, and a declared runtime wins over the probed one', async () => {
    const rootfs = derivedRootfs('busybox', 'busybox-hints', {
      '.attune-runtime.yaml': ['runtimes:', '  - name: bash', '    path: /bin/ash', '    version: "1.35"', '  - name: awk', '    path: /bin/awk', '  - name: ghost', '    path: /no/such/interpreter', 'env:', '  FROM_HINTS: "yes"', ''].join('\n'),
    });
    const out = await runInRootfs(rootfs, [AGENT, '--detect-only'], { env: ENV });
    expect(out.stderr).toBe('');
    expect(report(out.stdout).runtimes).toEqual([
      { name: 'shell', path: '/bin/ash', version: '1.35' },
      { name: 'awk', path: '/bin/awk', version: expect.stringMatching(/^1\.35/) },
    ]);
  });

  it('a malformed hints file is one clear configuration error (exit 2)', async () => {
    const rootfs = derivedRootfs('empty', 'empty-bad-hints', { 'opt/attune/.attune-runtime.yaml': 'runtimes:\n  - name: x\n    path: relative/python\n' });
    const out = await runInRootfs(rootfs, [AGENT, '--detect-only'], { env: ENV });
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('/opt/attune/.attune-runtime.yaml: runtimes.0.path: path must be absolute');
  });
});

describe('the aarch64 bundle', () => {
  it('starts under qemu-aarch64-static and prints --detect-only', async () => {
    buildBundle('aarch64'); // from this build (cached downloads make it take seconds)
    // binfmt_misc is not registered on this machine (and registering it would change the host), so the
    // emulator runs the aarch64 node directly; its ELF interpreter is the bundle's own aarch64 loader.
    const rootfs = derivedRootfs('empty', 'empty-qemu', {}, ['/usr/bin/qemu-aarch64-static']);
    const out = await runInRootfs(rootfs, ['/usr/bin/qemu-aarch64-static', '/opt/attune/agent/bin/node', '/opt/attune/agent/agent.js', '--detect-only'], {
      env: ENV,
      bundle: bundleDir('aarch64'),
    });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(report(out.stdout).runtimes).toEqual([]);
    const version = await runInRootfs(rootfs, ['/usr/bin/qemu-aarch64-static', '/opt/attune/agent/bin/node', '-p', 'process.arch + " " + process.version'], { env: ENV, bundle: bundleDir('aarch64') });
    expect(version.stdout.trim()).toMatch(/^arm64 v22\./);
    // The entrypoint is a static aarch64 program (needs no C library in the image).
    const launcher = execFileSync('file', ['-b', `${bundleDir('aarch64')}/attune-agent`], { encoding: 'utf8' });
    expect(launcher).toMatch(/ARM aarch64.*statically linked/);
  }, 300_000);
});
