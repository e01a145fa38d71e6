import { constants, existsSync } from 'node:fs';
import { chmod, chown, lstat, mkdir, mkdtemp, open, unlink, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { executionArtifactsDir } from '../src/attune/artifact-layout';
import type { ActionIdentity } from './agent/action-identity';
import { outputWriteError } from './bounded-log';

/**
 * The files the agent makes for one execution, made so that nothing an action planted is written through: the
 * artifacts directory is opened without following a link and must be the agent's own, files are created
 * exclusively and never through a link, the scratch directory has a fresh random name.
 */

/** Execution dirs: the agent and the artifacts group (the bridge reads the logs and writes result.json there). */
const EXECUTION_DIR_MODE = 0o770;
/** Logs: the agent writes, the group (the bridge) reads; nobody else. */
export const LOG_FILE_MODE = 0o640;
const CREATE_ATTEMPTS = 3;
const SETGID_BIT = 0o2000;

export interface ExecutionDir {
  dir: string;
  /** Where files of the verified directory are created: /proc/self/fd/<n> of its open descriptor when there is a /proc. */
  base: string;
  close(): Promise<void>;
}

/**
 * Creates (or, for a re-run of the same execution, reuses) `execution_<id>` in the artifacts dir. A symlink or a
 * file in its place, or a directory of another uid, is refused with an error that says so: writing there would
 * write where someone else decides. The directory stays open while its files are made, and they are made through
 * its descriptor, so it cannot be swapped for a link in between.
 */
export async function openExecutionDir(artifactsDir: string, executionId: number): Promise<ExecutionDir> {
  const dir = executionArtifactsDir(artifactsDir, executionId);
  try {
    await mkdir(dir, { mode: EXECUTION_DIR_MODE });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(outputWriteError(dir, err), { cause: err });
  }
  let handle: FileHandle;
  try {
    handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENOTDIR') {
      const what = (await lstat(dir).catch(() => null))?.isSymbolicLink() ? 'a symlink' : 'a file';
      throw new Error(`${dir} is not a directory but ${what}: refusing to write the execution's logs through it`);
    }
    throw new Error(outputWriteError(dir, err), { cause: err });
  }
  try {
    const st = await handle.stat();
    const uid = process.getuid!();
    if (st.uid !== uid) throw new Error(`${dir} belongs to uid ${st.uid}, not to the agent's uid ${uid}: refusing to write the execution's logs into a directory another user controls`);
    // Keeps the setgid bit it inherited from the artifacts dir (the group the bridge reads with).
    await handle.chmod(EXECUTION_DIR_MODE | (st.mode & SETGID_BIT));
  } catch (err) {
    await handle.close();
    throw err;
  }
  const viaFd = `/proc/self/fd/${handle.fd}`;
  return { dir, base: existsSync(viaFd) ? viaFd : dir, close: () => handle.close() };
}

/**
 * Creates `file` anew for writing: whatever is there (the log of an earlier run of the execution, or a planted
 * link) is unlinked — never followed — and the file is created exclusively without following links.
 */
export async function createFresh(file: string, mode: number): Promise<FileHandle> {
  for (let attempt = 1; ; attempt++) {
    await unlink(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    try {
      return await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= CREATE_ATTEMPTS) throw err;
    }
  }
}

/**
 * The execution's scratch directory (parameter files): a fresh random name made exclusively, 0700, handed to the
 * action's uid when actions run under their own.
 */
export async function makeScratchDir(executionId: number): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `attune-exec-${executionId}-`));
}

/** Writes a new file exclusively (never through a link), owned by the action's uid when it has its own. */
export async function writeActionFile(file: string, text: string, mode: number, identity: ActionIdentity): Promise<void> {
  const handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  try {
    await handle.writeFile(text);
    if (identity) await handle.chown(identity.uid, identity.gid);
    await handle.chmod(mode);
  } finally {
    await handle.close();
  }
}

/** Gives a directory the agent just made to the action's uid (no-op when actions share the agent's uid). */
export async function handOver(dir: string, identity: ActionIdentity): Promise<void> {
  if (identity) await chown(dir, identity.uid, identity.gid);
}

/**
 * A directory of the agent's under a shared temp dir (e.g. `<tmp>/attune/inline_actions`): each component is made
 * if missing and must then be a real directory owned by the agent and writable by nobody else. 0711: an action of
 * another uid opens its own script by name but cannot list the others.
 */
export async function ensureAgentDir(root: string, components: string[]): Promise<string> {
  let dir = root;
  for (const name of components) {
    dir = path.join(dir, name);
    await mkdir(dir, { mode: 0o711 }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    const st = await lstat(dir);
    const uid = process.getuid!();
    if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o022) !== 0) {
      throw new Error(`${dir} is not a directory of the agent's uid ${uid} writable only by it (${st.isSymbolicLink() ? 'a symlink' : `uid ${st.uid}, mode ${(st.mode & 0o7777).toString(8)}`}): refusing to put inline scripts there`);
    }
    // Safe by path: only the agent may rename or replace what it owns in a sticky or private parent.
    await chmod(dir, 0o711);
  }
  return dir;
}

/** `createFresh`, then `text` written and the file closed. */
export async function writeFresh(file: string, text: string, mode = 0o644): Promise<void> {
  const handle = await createFresh(file, mode);
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}
