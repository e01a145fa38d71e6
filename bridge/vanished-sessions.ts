import type { BridgeMetrics } from './metrics';
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import type { Logger } from '../src/log';
import { WORKFLOW_TYPES } from '../src/temporal/names';

/** Twice the presence heartbeat timeout (20 s): a live agent's presence is never this quiet. */
export const PRESENCE_STALE_MS = 40_000;
/** Sessions described per reconciler pass: the sweep costs a bounded number of calls however many agents there are. */
export const SESSIONS_PER_PASS = 20;

/** What the decision needs of a session's description. */
export interface SessionView {
  startMs: number;
  /** The latest sign of life of anything pending (an activity's heartbeat, start or schedule; a workflow task); null: nothing. */
  lastSignMs: number | null;
}

export function sessionView(d: Pick<WorkflowExecutionDescription, 'startTime' | 'raw'>): SessionView {
  const task = d.raw.pendingWorkflowTask;
  const stamps = [
    ...(d.raw.pendingActivities ?? []).flatMap((a) => [a.lastHeartbeatTime, a.lastStartedTime, a.scheduledTime]),
    task?.scheduledTime,
    task?.startedTime,
  ];
  const times = stamps.map(optionalTsToMs).filter((t): t is number => t !== undefined);
  return { startMs: d.startTime.getTime(), lastSignMs: times.length > 0 ? Math.max(...times) : null };
}

/**
 * A session whose agent vanished: old enough that its own timeouts had their chance (`settleMs`), and nothing of it
 * moved for PRESENCE_STALE_MS — a live agent heartbeats its presence every few seconds, and a session that is just
 * closing has a step or workflow task scheduled a moment ago. What is left is a session stuck for good: a presence
 * nobody picks up or heartbeats, a workflow task that never completes.
 */
export function sessionVanished(view: SessionView, nowMs: number, settleMs: number): boolean {
  if (nowMs - view.startMs < settleMs) return false;
  return view.lastSignMs === null || nowMs - view.lastSignMs > PRESENCE_STALE_MS;
}

/**
 * Closes (terminates) this deployment's agent sessions whose agent vanished, a few per pass in workflow id order so
 * every session is looked at in turn. A live agent whose session this closed by mistake announces a new generation.
 */
export class VanishedSessions {
  private cursor = '';

  constructor(private readonly deps: { client: Client; log: Logger; bridgeTaskQueue: string; settleSeconds: number; metrics?: Pick<BridgeMetrics, 'reconcilerAction'> }) {}

  async sweep(nowMs = Date.now()): Promise<string[]> {
    const { client, log, bridgeTaskQueue, settleSeconds } = this.deps;
    const before = new Date(nowMs - settleSeconds * 1000).toISOString();
    const query = `WorkflowType = '${WORKFLOW_TYPES.agentSession}' AND ExecutionStatus = 'Running' AND TaskQueue = '${bridgeTaskQueue}' AND StartTime < '${before}'`;
    // The raw listing: client.workflow.list would decode every memo, and one it cannot decode ends the listing.
    const ids: string[] = [];
    let nextPageToken: Uint8Array = Buffer.alloc(0);
    do {
      const page = await client.workflowService.listWorkflowExecutions({ namespace: client.options.namespace, query, nextPageToken });
      for (const e of page.executions ?? []) if (e.execution?.workflowId) ids.push(e.execution.workflowId);
      nextPageToken = page.nextPageToken ?? Buffer.alloc(0);
    } while (nextPageToken.length > 0);
    ids.sort();
    const next = ids.filter((id) => id > this.cursor);
    const batch = (next.length > 0 ? next : ids).slice(0, SESSIONS_PER_PASS);
    this.cursor = batch.length === SESSIONS_PER_PASS ? batch[batch.length - 1]! : '';
    const closed: string[] = [];
    for (const workflowId of batch) {
      const handle = client.workflow.getHandle(workflowId);
      const described = await handle.describe().catch(() => null);
      if (!described || described.status.name !== 'RUNNING') continue;
      if (!sessionVanished(sessionView(described), nowMs, settleSeconds * 1000)) continue;
      try {
        await handle.terminate(`agent vanished: no presence for over ${PRESENCE_STALE_MS / 1000} s (closed by the bridge's reconciler)`);
        log.warn({ workflowId }, 'reconciler: agent session of a vanished agent closed');
        this.deps.metrics?.reconcilerAction('session_closed'); // counted as it happens, not when the pass ends
        closed.push(workflowId);
      } catch (err) {
        log.warn({ err, workflowId }, 'reconciler: could not close a vanished agent session');
      }
    }
    return closed;
  }
}
