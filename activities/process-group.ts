import { KILL_GRACE_SECONDS } from '../src/temporal/durations';

/** The one stop policy for every process the agent starts (actions and setup commands alike). */
export const KILL_GRACE_MS = KILL_GRACE_SECONDS * 1000;

/** Signals the process group led by `pid` (its own group: spawned detached), or the process if the group is gone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Stops a whole process group: SIGTERM, up to `graceMs` for it to exit, then SIGKILL — always sent, like
 * Attune, so descendants that ignored SIGTERM or outlived the leader die too.
 */
export async function stopGroup(pid: number, exited: Promise<unknown>, graceMs: number = KILL_GRACE_MS): Promise<void> {
  signalGroup(pid, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
  clearTimeout(timer);
  signalGroup(pid, 'SIGKILL');
}
