import { readFileSync, statSync } from 'node:fs';

/** ATTUNE_AGENT_ACTION_USER: a uid:gid for actions, or `same` (the agent's own uid, Attune's native behaviour). */
export type ActionUserSetting = { kind: 'same' } | { kind: 'user'; uid: number; gid: number };

/** The uid/gid actions and environment setup commands are spawned with; null: the agent's own. */
export type ActionIdentity = { uid: number; gid: number } | null;

const CAP_SETGID = 6;
const CAP_SETUID = 7;

/** Both CAP_SETUID and CAP_SETGID are effective, from /proc/self/status's CapEff (hex). */
export function canChangeUid(procStatus: string): boolean {
  const hex = /^CapEff:\s*([0-9a-f]+)$/im.exec(procStatus)?.[1];
  if (hex === undefined) return false;
  const caps = BigInt(`0x${hex}`);
  return ((caps >> BigInt(CAP_SETUID)) & 1n) === 1n && ((caps >> BigInt(CAP_SETGID)) & 1n) === 1n;
}

/**
 * Whether this process is non-dumpable, as far as it can tell: its /proc entries then belong to root, not to its
 * own uid. Unknown (null) as root or without /proc.
 */
export function isNonDumpable(uid: number): boolean | null {
  if (uid === 0) return null;
  try {
    return statSync('/proc/self/environ').uid !== uid;
  } catch {
    return null;
  }
}

export interface IdentityDecision {
  identity: ActionIdentity;
  /** Why actions share the agent's uid, when they do; the agent warns with it at start. */
  sameUidBecause: string | null;
}

/**
 * Separate uid for actions wherever the agent may change uid (root or CAP_SETUID + CAP_SETGID); where it cannot,
 * or the operator chose `same`, actions keep the agent's uid and the agent says what that leaves reachable.
 */
export function decideActionIdentity(setting: ActionUserSetting, agent: { uid: number; gid: number }, procStatus: string): IdentityDecision {
  if (setting.kind === 'same') return { identity: null, sameUidBecause: 'ATTUNE_AGENT_ACTION_USER=same' };
  if (setting.uid === agent.uid) return { identity: null, sameUidBecause: `ATTUNE_AGENT_ACTION_USER is the agent's own uid ${agent.uid}` };
  if (!canChangeUid(procStatus)) return { identity: null, sameUidBecause: `the agent runs as uid ${agent.uid} without CAP_SETUID and CAP_SETGID, so it cannot start actions as ${setting.uid}:${setting.gid}` };
  return { identity: { uid: setting.uid, gid: setting.gid }, sameUidBecause: null };
}

/** The decision for this process (reads /proc/self/status; no /proc: no capabilities known, actions share the uid). */
export function actionIdentityForThisAgent(setting: ActionUserSetting): IdentityDecision {
  let status = '';
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    // no /proc (an image without it mounted): treated as unable to switch
  }
  return decideActionIdentity(setting, { uid: process.getuid!(), gid: process.getgid!() }, status);
}
