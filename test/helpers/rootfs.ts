import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isAlive } from './processes';

export { isAlive };

/**
 * Root filesystems for the injection tests, built here (no Docker engine) and cached, and a runner
 * that imitates a container: new mount (and pid) namespace, chroot, the agent bundle bind-mounted
 * read-only at /opt/attune/agent (injection.md, appendix A).
 */
export const CACHE = process.env.ATTUNE_TEMPORAL_CACHE ?? '/var/cache/attune-temporal';
export const ROOTFS_DIR = path.join(CACHE, 'rootfs');
export const BUNDLE_PARENT = path.join(ROOTFS_DIR, 'bundle');
export const AGENT_DIR = '/opt/attune/agent';
const CLI = path.join(__dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');

export type RootfsKind = 'empty' | 'busybox' | 'musl' | 'debian-python';

/** The bundle the tests mount; built once per jest run by test/helpers/rootfs-setup.ts. */
export function bundleDir(arch: 'x86_64' | 'aarch64' = 'x86_64'): string {
  return path.join(BUNDLE_PARENT, `agent-${arch}`);
}

export function buildBundle(arch: 'x86_64' | 'aarch64' = 'x86_64', archive = false): void {
  execFileSync(process.execPath, [CLI, 'bundle', '--arch', arch, '--out', BUNDLE_PARENT, ...(archive ? [] : ['--no-archive'])], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Builds a rootfs once (into a .tmp dir renamed at the end, so a half-built one is never used). */
export function ensureRootfs(kind: RootfsKind): string {
  const dir = path.join(ROOTFS_DIR, kind);
  if (existsSync(dir)) return dir;
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  if (kind === 'busybox') {
    mkdirSync(path.join(tmp, 'bin'));
    copyFileSync('/bin/busybox', path.join(tmp, 'bin', 'busybox'));
    chmodSync(path.join(tmp, 'bin', 'busybox'), 0o755);
    for (const applet of execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
      if (applet !== 'busybox') symlinkSync('busybox', path.join(tmp, 'bin', applet));
    }
  } else if (kind === 'musl') {
    // musl's loader and libc and one musl program; no glibc anywhere.
    mkdirSync(path.join(tmp, 'lib'));
    mkdirSync(path.join(tmp, 'bin'));
    copyFileSync('/lib/x86_64-linux-musl/libc.so', path.join(tmp, 'lib', 'ld-musl-x86_64.so.1'));
    chmodSync(path.join(tmp, 'lib', 'ld-musl-x86_64.so.1'), 0o755);
    symlinkSync('ld-musl-x86_64.so.1', path.join(tmp, 'lib', 'libc.musl-x86_64.so.1'));
    const src = path.join(tmp, 'hello.c');
    writeFileSync(src, '#include <stdio.h>\nint main(void) { puts("hello from musl"); return 0; }\n');
    execFileSync('musl-gcc', ['-O2', '-o', path.join(tmp, 'bin', 'hello'), src]);
    rmSync(src);
  } else if (kind === 'debian-python') {
    const sources = readFileSync('/etc/apt/sources.list.d/debian.sources', 'utf8');
    const mirror = /URIs:\s*(\S+)/.exec(sources)?.[1] ?? 'http://deb.debian.org/debian';
    rmSync(tmp, { recursive: true, force: true });
    execFileSync('debootstrap', ['--variant=minbase', '--include=python3,python3-venv', 'bookworm', tmp, mirror], { stdio: 'ignore' });
  }
  renameSync(tmp, dir);
  return dir;
}

/** A copy of a cached rootfs with extra files (e.g. a hints file), rebuilt each time. */
export function derivedRootfs(kind: RootfsKind, name: string, files: Record<string, string>, hostFiles: string[] = []): string {
  const dir = path.join(ROOTFS_DIR, name);
  rmSync(dir, { recursive: true, force: true });
  execFileSync('cp', ['-a', ensureRootfs(kind), dir]);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  for (const file of hostFiles) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    copyFileSync(file, path.join(dir, file));
    chmodSync(path.join(dir, file), 0o755);
  }
  return dir;
}

export interface RunOptions {
  /** Host dirs bind-mounted at the same path inside (artifacts volume, packs, markers). */
  binds?: { dir: string; readOnly?: boolean }[];
  env?: Record<string, string | undefined>;
  /** chroot --userspec, e.g. '65532:65532'. */
  user?: string;
  readOnlyRoot?: boolean;
  /** false: no pid namespace, so the launcher is not PID 1 (tests its subreaper duties). */
  pidNamespace?: boolean;
  /** The bundle mounted read-only at /opt/attune/agent; '-' mounts an empty writable tmpfs there instead. */
  bundle?: string;
  logFile?: string;
}

const INNER = String.raw`
set -e
R="$1"; A="$2"; shift 2
mkdir -p "$R/opt/attune/agent" "$R/proc" "$R/dev" "$R/tmp"
[ -n "$RO_ROOT" ] && mount --bind "$R" "$R"
if [ "$A" = - ]; then
  mount -t tmpfs -o mode=755 tmpfs "$R/opt/attune/agent"   # empty and writable: the wrapper downloads into it
else
  mount --bind "$A" "$R/opt/attune/agent"
  mount -o remount,ro,bind "$R/opt/attune/agent"
fi
mount -t proc proc "$R/proc"
# /tmp is the writable volume for parameter files and inline scripts; noexec like many tmpfs mounts.
mount -t tmpfs -o mode=1777,noexec,nosuid tmpfs "$R/tmp"
mount -t tmpfs -o mode=755 tmpfs "$R/dev"
mknod -m 666 "$R/dev/null" c 1 3; mknod -m 666 "$R/dev/zero" c 1 5; mknod -m 666 "$R/dev/full" c 1 7
mknod -m 666 "$R/dev/random" c 1 8; mknod -m 666 "$R/dev/urandom" c 1 9
IFS=:
for b in $BINDS; do
  case "$b" in ro,*) b="$(expr "$b" : 'ro,\(.*\)')"; ro=1 ;; *) ro= ;; esac
  mkdir -p "$R$b"; mount --bind "$b" "$R$b"; [ -n "$ro" ] && mount -o remount,ro,bind "$R$b"
done
unset IFS
[ -n "$RO_ROOT" ] && mount -o remount,ro,bind "$R"
readarray -d '' CHILD_ENV < "$ENV_FILE"
exec env -i @CHILD_ENV@ chroot $CHROOT_OPTS "$R" "$@"
`.replace('@CHILD_ENV@', '"$' + '{CHILD_ENV[@]}"');

/** The whole container: `unshare` whose child (after exec) is the bundle's launcher. */
export class RootfsProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout = '';
  stderr = '';

  constructor(rootfs: string, args: string[], opts: RunOptions = {}) {
    const env = Object.entries(opts.env ?? {}).filter((e): e is [string, string] => e[1] !== undefined);
    // The container's environment, NUL-separated (values may hold spaces), read by the inner script.
    const envFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'rootfs-env-')), 'env');
    writeFileSync(envFile, env.map(([k, v]) => `${k}=${v}\0`).join(''));
    const unshare = ['--mount', '--propagation', 'private', '--fork', ...(opts.pidNamespace === false ? [] : ['--pid', '--mount-proc'])];
    this.child = spawn('unshare', [...unshare, 'bash', '-c', INNER, 'inner', rootfs, opts.bundle ?? bundleDir(), ...args], {
      env: {
        PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
        RO_ROOT: opts.readOnlyRoot ? '1' : '',
        BINDS: (opts.binds ?? []).map((b) => `${b.readOnly ? 'ro,' : ''}${b.dir}`).join(':'),
        ENV_FILE: envFile,
        CHROOT_OPTS: opts.user ? `--userspec=${opts.user}` : '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = opts.logFile ? createWriteStream(opts.logFile, { flags: 'a' }) : null;
    this.child.stdout!.on('data', (d: Buffer) => {
      this.stdout += d.toString();
      log?.write(d);
    });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
      log?.write(d);
    });
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        rmSync(path.dirname(envFile), { recursive: true, force: true });
        resolve({ code, signal });
      }),
    );
  }

  /** Host pid of the launcher (unshare's only child, which exec'd through bash and chroot). */
  launcherPid(): number | undefined {
    return childrenOf(this.child.pid!)[0];
  }

  /** Host pid of the agent's node process (the launcher's child running agent.js). */
  agentPid(): number | undefined {
    const launcher = this.launcherPid();
    return launcher === undefined ? undefined : childrenOf(launcher).find((p) => cmdline(p).includes(`${AGENT_DIR}/agent.js`));
  }

  async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.stdout + this.stderr)) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`exited before ${pattern}: ${this.stderr.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; output: ${(this.stdout + this.stderr).slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const launcher = this.launcherPid();
    if (launcher !== undefined) process.kill(launcher, 'SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Runs a command in the rootfs to completion. */
export async function runInRootfs(rootfs: string, args: string[], opts: RunOptions = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = new RootfsProcess(rootfs, args, opts);
  const { code } = await p.exited;
  return { code, stdout: p.stdout, stderr: p.stderr };
}

export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}


/** Every host process whose cmdline matches, e.g. leftovers of an action. */
export function processesMatching(pattern: RegExp): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => pid !== process.pid && pattern.test(cmdline(pid)) && isAlive(pid));
}

/** The pack of the rootfs tests, copied next to a deployment, with its native actions compiled. */
export function preparePacks(targetDir: string): string {
  const packs = path.join(targetDir, 'packs');
  const pack = path.join(packs, 'rootfs');
  mkdirSync(packs, { recursive: true });
  execFileSync('cp', ['-r', path.join(__dirname, '..', 'rootfs', 'fixtures', 'packs', 'rootfs'), packs]);
  const source = path.join(pack, 'actions', 'native.c');
  // One that needs no C library at all (empty image) and one that needs the image's musl.
  execFileSync('musl-gcc', ['-static', '-Os', '-o', path.join(pack, 'actions', 'native_static'), source]);
  execFileSync('musl-gcc', ['-Os', '-o', path.join(pack, 'actions', 'native_musl'), source]);
  // The lazy virtualenv installs six from a local wheel: the rootfs does not trust this machine's
  // TLS-intercepting proxy, and the test should not depend on PyPI being reachable from a chroot.
  const wheels = path.join(CACHE, 'wheels');
  if (!existsSync(path.join(wheels, 'six-1.17.0-py2.py3-none-any.whl'))) {
    execFileSync('python3', ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '-d', wheels, 'six==1.17.0'], { stdio: 'ignore' });
  }
  mkdirSync(path.join(pack, 'wheels'));
  copyFileSync(path.join(wheels, 'six-1.17.0-py2.py3-none-any.whl'), path.join(pack, 'wheels', 'six-1.17.0-py2.py3-none-any.whl'));
  writeFileSync(path.join(pack, 'requirements.txt'), `--no-index\n--find-links ${path.join(pack, 'wheels')}\nsix==1.17.0\n`);
  execFileSync('chmod', ['-R', 'a+rX', packs]);
  return packs;
}
