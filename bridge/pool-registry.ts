import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { ensureWorkerRow, listOwnWorkers, markWorkerInactive, upsertWorker } from '../src/attune/db/workers';
import { registerDetectedRuntimes } from '../src/attune/db/auto-runtimes';
import type { AgentCapabilities, AgentSessionInput } from '../src/temporal/contracts';
import { WORKFLOW_TYPES } from '../src/temporal/names';
import { AGENT_VERSION } from '../src/version';
import type { Logger } from '../src/log';

export interface PoolRegistryDeps {
  client: Client;
  db: Pool;
  log: Logger;
  /** Sessions are per bridge deployment: several Attune installations may share one namespace. */
  bridgeTaskQueue: string;
  /** Called for every pool with a worker row, so this bridge consumes its queues. */
  attach: (workerId: number, pool: string) => Promise<void>;
}

/**
 * One Attune worker row per agent pool, derived from the live agent sessions in Temporal (each agent
 * heartbeats its own session). A pool's row carries exactly the union of its agents' runtimes, versions
 * and labels, so Attune's scheduler does the matching; a pool with no live agent is marked inactive.
 */
export class PoolRegistry {
  constructor(private readonly deps: PoolRegistryDeps) {}

  async sync(opts: { announce?: AgentSessionInput; departed?: string } = {}): Promise<void> {
    const sessions = new Map<string, AgentSessionInput>();
    for await (const wf of this.deps.client.workflow.list({
      query: `WorkflowType = '${WORKFLOW_TYPES.agentSession}' AND ExecutionStatus = 'Running' AND TaskQueue = '${this.deps.bridgeTaskQueue}'`,
    })) {
      const session = wf.memo?.session as AgentSessionInput | undefined;
      if (session?.v === 1) sessions.set(session.agentId, session);
    }
    // Visibility may lag by a moment: trust the session that is announcing or leaving right now.
    if (opts.announce) sessions.set(opts.announce.agentId, opts.announce);
    if (opts.departed) sessions.delete(opts.departed);

    const byPool = new Map<string, AgentSessionInput[]>();
    for (const s of sessions.values()) byPool.set(s.pool, [...(byPool.get(s.pool) ?? []), s]);
    for (const [pool, members] of byPool) {
      const created = await registerDetectedRuntimes(this.deps.db, members.flatMap((m) => m.capabilities.detected_interpreters));
      if (created.length > 0) this.deps.log.info({ pool, runtimes: created }, 'registered runtimes detected by agents');
      // Queues first, then the row goes active: nothing can be dispatched to a queue not yet declared.
      await this.deps.attach(await ensureWorkerRow(this.deps.db, pool), pool);
      await upsertWorker(this.deps.db, { name: pool, host: members[0]!.hostname, capabilities: poolCapabilities(members) });
    }
    for (const own of await listOwnWorkers(this.deps.db)) {
      if (!byPool.has(own.name)) {
        if (own.status === 'active') {
          await markWorkerInactive(this.deps.db, own.id);
          this.deps.log.info({ pool: own.name, workerId: own.id }, 'pool has no live agent: worker marked inactive');
        }
        await this.deps.attach(own.id, own.name); // keep draining its queues (cancels, late dispatches)
      }
    }
  }
}

/** Union of the members' capabilities, in the shape Attune's scheduler reads (§5.2). */
export function poolCapabilities(members: AgentSessionInput[]): Record<string, unknown> {
  const caps: AgentCapabilities[] = members.map((m) => m.capabilities);
  const runtimes = [...new Set(caps.flatMap((c) => c.runtimes))];
  const versions: Record<string, string[]> = {};
  for (const c of caps) {
    for (const [name, list] of Object.entries(c.runtime_versions)) versions[name] = [...new Set([...(versions[name] ?? []), ...list])].sort().reverse();
  }
  const interpreters = new Map<string, AgentCapabilities['detected_interpreters'][number]>();
  for (const d of caps.flatMap((c) => c.detected_interpreters)) interpreters.set(`${d.name}|${d.path}|${d.version ?? ''}`, d);
  return {
    max_concurrent_executions: caps.reduce((n, c) => n + c.max_concurrent_executions, 0),
    worker_version: AGENT_VERSION,
    runtimes: [...runtimes, 'native'].filter((v, i, a) => a.indexOf(v) === i),
    runtime_versions: versions,
    detected_interpreters: [...interpreters.values()],
    agent_mode: true,
    agent_binary_name: 'attune-agent',
    agent_binary_version: AGENT_VERSION,
    labels: Object.assign({}, ...caps.map((c) => c.labels)) as Record<string, string>,
    attune_temporal: { agents: members.length, agent_ids: members.map((m) => m.agentId).sort() },
  };
}
