import { execFileSync } from 'node:child_process';
import globalSetup from './global-setup';
import { buildBundle, ensureRootfs, type RootfsKind } from './rootfs';

/**
 * Once per `jest --selectProjects rootfs` run: the real services are up, the prerequisites are
 * installed (scripts/rootfs-prereqs.sh, idempotent), the x86_64 bundle is built from this build, and
 * the cached root filesystems exist (debootstrap takes a minute or two the first time only).
 */
export default async function rootfsSetup(): Promise<void> {
  await globalSetup();
  if (process.getuid?.() !== 0) throw new Error('the rootfs tests need root (unshare, mount, chroot)');
  execFileSync('bash', ['scripts/rootfs-prereqs.sh'], { stdio: 'inherit', cwd: `${__dirname}/../..` });
  buildBundle('x86_64', true); // with its tarballs: the wrapper test downloads one from the bridge
  for (const kind of ['empty', 'busybox', 'musl', 'debian-python'] as RootfsKind[]) ensureRootfs(kind);
}
