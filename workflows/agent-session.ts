import { CancellationScope, log, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { AgentControlActivities, AgentSessionInput, ControlActivities } from '../src/temporal/contracts';
import { agentControlTaskQueue } from '../src/temporal/names';
import { controlOptions, presenceOptions } from './options';
import { PATCHES } from './patches';

/**
 * Lives exactly as long as one agent process. The agent heartbeats `holdPresence` on its own control
 * queue; when it stops (shutdown, crash, lost network) the heartbeat times out and the bridge re-syncs
 * the pool's Attune worker row. Heartbeats write no history, so this stays a handful of events. An agent
 * that stops cancels its session, so the session closes at once even if presence never started.
 */
export async function agentSessionWorkflow(input: AgentSessionInput): Promise<void> {
  const control = proxyActivities<ControlActivities>(controlOptions(workflowInfo().taskQueue));
  const announce = () => control.syncPools({ v: 1, announce: input });
  // An agent that stops during its announce: the announce and the departure both still run, and the session completes.
  if (patched(PATCHES.sessionAnnounceSync)) await CancellationScope.nonCancellable(announce);
  else await announce();
  const presence = proxyActivities<AgentControlActivities>(presenceOptions(agentControlTaskQueue(input.agentId)));
  try {
    await presence.holdPresence({ v: 1, agentId: input.agentId });
  } catch (err) {
    log.info('agent presence ended', { agentId: input.agentId, reason: String(err) });
  }
  const departed = () => control.syncPools({ v: 1, departed: input.agentId });
  if (patched(PATCHES.sessionDepartureSync)) await CancellationScope.nonCancellable(departed);
  else await departed();
}
