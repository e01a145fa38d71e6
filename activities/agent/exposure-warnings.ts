import { isNonDumpable } from './action-identity';

/**
 * What an action of the agent's own uid can still reach, said once at start (README: "What an action can reach of
 * the agent"). One place for the wording, so the log and the README say the same.
 */
export function sameUidWarning(agentUid: number, because: string): string {
  if (agentUid === 0) return `actions run as root (${because}): they can read and change everything the agent can, its keys and /proc entries included`;
  const dumpable = isNonDumpable(agentUid);
  const proc =
    dumpable === false
      ? `the agent is dumpable (started without the bundle's launcher), so they can read its /proc entries and, where ptrace is allowed, its memory`
      : `the agent's /proc entries (environment, memory maps, descriptors) stay closed to them and ptrace is refused, since the agent is non-dumpable`;
  return (
    `actions run as the agent's own uid ${agentUid} (${because}): ${proc}; ` +
    `but every file uid ${agentUid} can read is theirs to read — a mounted keys file (ATTUNE_TEMPORAL_CODEC_KEYS_FILE), the temp dir and the other running executions' parameter files and inline scripts. ` +
    `Run the agent as root without the launcher's --user, or with CAP_SETUID and CAP_SETGID, for actions to run under ATTUNE_AGENT_ACTION_USER`
  );
}

/** Started without the launcher and not re-executed through it: the credentials are in the environment block. */
export function secretsInEnvironmentWarning(names: string[]): string {
  return (
    `the agent's credentials ${names.join(', ')} are in its environment block (started without the bundle's launcher, and it could not re-execute through it): ` +
    `processes of the same uid can read them in /proc/<pid>/environ. Start the agent with the launcher (attune-agent) to keep them out`
  );
}
