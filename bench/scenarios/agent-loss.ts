import { REATTACH_WAIT, RUN_HEARTBEAT_TIMEOUT } from '../../workflows/options';
import type { BenchConfig } from '../config';
import type { BenchHarness } from '../harness';
import { log } from '../log';
import { readPid } from '../markers';
import { nowMs, ratio, summarize, until } from '../stats';
import type { AgentLossFigures } from './types';

/**
 * 5. SIGKILL of the agent while trap_term.sh runs → the row's status leaves `running`; its floor is the run
 * activity's heartbeat timeout, the soonest Temporal can notice a vanished worker.
 */
export async function measureAgentLoss(bench: BenchHarness, cfg: BenchConfig): Promise<AgentLossFigures> {
  const { d } = bench;
  log(`agent loss: SIGKILL of the agent mid-action, ${cfg.lossTrials} trial(s) (each waits out the heartbeat timeout)`);
  const runHeartbeatTimeoutSeconds = Number(String(RUN_HEARTBEAT_TIMEOUT).replace(/s$/, ''));
  // Dead-agent detection by design: the heartbeat timeout, then the re-attach that no agent picks up.
  const reattachWaitSeconds = Number(String(REATTACH_WAIT).replace(/s$/, ''));
  const trials: { seconds: number; finalStatus: string }[] = [];
  for (let i = 0; i < cfg.lossTrials; i++) {
    const agent = d.agents[0]!.running ? d.agents[0]! : d.startAgent();
    await d.waitForWorker();
    const id = await bench.startTrapTerm();
    const t0 = nowMs();
    agent.child.kill('SIGKILL');
    const finalStatus = await until(async () => {
      const s = (await d.row(id)).status;
      return ['running', 'scheduled', 'requested', 'canceling'].includes(s) ? undefined : s;
    }, 180_000, `final status of ${id}`, 50);
    trials.push({ seconds: Math.round((nowMs() - t0) / 10) / 100, finalStatus });
    // The orphaned action (its own process group) outlived the agent: end it.
    const pid = readPid(d.markerDir, id);
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  const s = summarize(trials.map((t) => t.seconds));
  return { unit: 's', killToFinalStatus: s, finalStatus: trials.map((t) => t.finalStatus), runHeartbeatTimeoutSeconds, reattachWaitSeconds, ratioToHeartbeatTimeout: ratio(s.p50, runHeartbeatTimeoutSeconds), ratioToDetectionBudget: ratio(s.p50, runHeartbeatTimeoutSeconds + reattachWaitSeconds) };
}
