import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { ensureWorkerRow, idleForGood, listOwnWorkers, markWorkerInactive, upsertWorker } from '../src/attune/db/workers';
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
  /** Stops consuming a pool's queues; true when it was attached. */
  detach: (workerId: number) => Promise<boolean>;
  /** A pool with no live agent and no open execution, unchanged this long, is detached. */
  detachAfterSeconds: number;
}

/**
 * One Attune worker row per agent pool, derived from the live agent sessions in Temporal (each agent
 * heartbeats its own session). A pool's row carries exactly the union of its agents' runtimes, versions
 * and labels, so Attune's scheduler does the matching; a pool with no live agent is marked inactive.
 */
export class PoolRegistry {
  /** Sessions whose memo we cannot decode, warned about once each (kept while they stay listed). */
  private undecodable = new Set<string>();

  constructor(private readonly deps: PoolRegistryDeps) {}

  async sync(opts: { announce?: AgentSessionInput; departed?: string } = {}): Promise<void> {
    const sessions = new Map<string, AgentSessionInput>();
    const undecodable = new Set<string>();
    const query = `WorkflowType = '${WORKFLOW_TYPES.agentSession}' AND ExecutionStatus = 'Running' AND TaskQueue = '${this.deps.bridgeTaskQueue}'`;
    for (const session of await listAgentSessions(this.deps.client, query, (workflowId, err) => {
      undecodable.add(workflowId);
      if (!this.undecodable.has(workflowId)) {
        this.deps.log.warn({ workflowId, err }, 'agent session skipped: its memo cannot be decoded (another deployment\'s codec key?)');
      }
    })) {
      sessions.set(session.agentId, session);
    }
    this.undecodable = undecodable;
    // Visibility may lag by a moment: trust the session that is announcing or leaving right now.
    if (opts.announce) sessions.set(opts.announce.agentId, opts.announce);
    if (opts.departed) sessions.delete(opts.departed);

    const byPool = new Map<string, AgentSessionInput[]>();
    for (const s of sessions.values()) byPool.set(s.pool, [...(byPool.get(s.pool) ?? []), s]);
    const unattached = new Set<string>();
    for (const [pool, members] of byPool) {
      const created = await registerDetectedRuntimes(this.deps.db, members.flatMap((m) => m.capabilities.detected_interpreters));
      if (created.length > 0) this.deps.log.info({ pool, runtimes: created }, 'registered runtimes detected by agents');
      // Queues first, then the row goes active: nothing can be dispatched to a queue not yet declared. A pool
      // whose queues cannot be consumed (the broker's channel limit, say) is not registered: the others still are.
      const workerId = await ensureWorkerRow(this.deps.db, pool);
      try {
        await this.deps.attach(workerId, pool);
      } catch (err) {
        unattached.add(pool);
        this.deps.log.error({ err, pool, workerId }, 'pool queues cannot be consumed: the pool is not registered active (retried at the next sync)');
        continue;
      }
      await upsertWorker(this.deps.db, { name: pool, host: members[0]!.hostname, capabilities: poolCapabilities(members) });
    }
    for (const own of await listOwnWorkers(this.deps.db)) {
      if (byPool.has(own.name) && !unattached.has(own.name)) continue;
      if (own.status === 'active') {
        await markWorkerInactive(this.deps.db, own.id);
        this.deps.log.info({ pool: own.name, workerId: own.id }, 'pool has no live agent: worker marked inactive');
        continue;
      }
      if (unattached.has(own.name)) continue;
      // Idle for good: no agent, nothing open, no change for a while. Its channels go back to the budget; its
      // queues stay (durable) and are consumed again when an agent of the pool appears.
      if (idleForGood(own, this.deps.detachAfterSeconds)) {
        if (await this.deps.detach(own.id)) this.deps.log.info({ pool: own.name, workerId: own.id }, 'idle pool detached: its queues are no longer consumed');
        continue;
      }
      await this.deps.attach(own.id, own.name).catch((err: unknown) => this.deps.log.warn({ err, pool: own.name }, 'inactive pool re-attach failed; retried at the next sync'));
    }
  }
}

/**
 * The running agent sessions the query finds, from each one's `session` memo. Each memo is decoded on its
 * own with the client's data converter: `client.workflow.list` decodes inside its iterator, so one memo it
 * cannot decode (encrypted with a codec key we do not hold, say) throws there and ends the whole listing.
 * Such a session is handed to `onUndecodable` and skipped; a failing list RPC still throws (sync retries).
 * The client's external storage (unused here: memos are small) is not consulted.
 */
export async function listAgentSessions(client: Client, query: string, onUndecodable: (workflowId: string, err: unknown) => void): Promise<AgentSessionInput[]> {
  const { namespace, loadedDataConverter } = client.options;
  const sessions: AgentSessionInput[] = [];
  let nextPageToken: Uint8Array = Buffer.alloc(0);
  for (;;) {
    const response = await client.workflowService.listWorkflowExecutions({ namespace, query, nextPageToken });
    for (const raw of response.executions ?? []) {
      const field = raw.memo?.fields?.session;
      if (!field) continue;
      const workflowId = raw.execution?.workflowId ?? '(unknown workflow id)';
      let session: AgentSessionInput | undefined;
      try {
        let payloads = [field];
        for (const codec of [...loadedDataConverter.payloadCodecs].reverse()) payloads = await codec.decode(payloads);
        session = loadedDataConverter.payloadConverter.fromPayload<AgentSessionInput>(payloads[0]!);
      } catch (err) {
        onUndecodable(workflowId, err);
        continue;
      }
      if (session?.v === 1) sessions.push(session);
    }
    nextPageToken = response.nextPageToken ?? Buffer.alloc(0);
    if (nextPageToken.length === 0) return sessions;
  }
}

/** Union of the members' capabilities, in the shape Attune's scheduler reads (§5.2). */
export function poolCapabilities(members: AgentSessionInput[]): Record<string, unknown> {
  const caps: AgentCapabilities[] = members.map((m) => m.capabilities);
  const runtimes = [...new Set(caps.flatMap((c) => c.runtimes))];
  // Keys come from the agents: a Map, so a runtime named "__proto__" is just a name.
  const versionSets = new Map<string, Set<string>>();
  for (const c of caps) {
    for (const [name, list] of Object.entries(c.runtime_versions)) versionSets.set(name, new Set([...(versionSets.get(name) ?? []), ...list]));
  }
  const versions = Object.fromEntries([...versionSets].map(([name, set]) => [name, [...set].sort().reverse()]));
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
