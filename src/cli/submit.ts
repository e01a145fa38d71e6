import amqp from 'amqplib';
import type { Pool } from 'pg';
import { createDbPool } from '../attune/db/pool';
import { findAction } from '../attune/db/actions';
import { decodeEnvelope, newEnvelope } from '../attune/envelope';
import { EXCHANGES, ROUTING } from '../attune/topology';
import type { loadSubmitConfig } from '../config';
import { ConfigError } from '../errors';
import { scopedLogger } from '../log';
import { DEFAULT_BRIDGE_QUEUE, deploymentNames } from '../temporal/names';

type SubmitConfig = ReturnType<typeof loadSubmitConfig>;

export function parseParams(pairs: string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--param "${pair}" is not key=value`);
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // a plain string
    }
    params[pair.slice(0, eq)] = value;
  }
  return params;
}

/** Picks a worker as Attune's scheduler does: action role, active, uncordoned, fresh, runtime matches. */
async function selectWorker(db: Pool, runtimeId: number | null, name: string | undefined): Promise<{ id: number; name: string }> {
  const { rows } = await db.query<{ id: string; name: string }>(
    `SELECT w.id, w.name FROM worker w
      WHERE w.worker_role = 'action' AND w.status = 'active' AND NOT w.cordoned
        AND w.last_heartbeat > NOW() - INTERVAL '90 seconds'
        AND ($2::text IS NULL OR w.name = $2)
        AND ($1::bigint IS NULL OR EXISTS (
              SELECT 1 FROM runtime r, jsonb_array_elements_text(COALESCE(w.capabilities->'runtimes', '[]'::jsonb)) c
               WHERE r.id = $1 AND (lower(c) = lower(r.name) OR lower(c) = ANY (SELECT lower(a) FROM unnest(r.aliases) a))))
      ORDER BY w.name LIMIT 1`,
    [runtimeId, name ?? null],
  );
  if (!rows[0]) throw new Error(`No active worker with a fresh heartbeat offers this action's runtime${name ? ` (worker "${name}")` : ''}`);
  return { id: Number(rows[0].id), name: rows[0].name };
}

/**
 * What Attune's API and executor do for one execution: insert it `requested`, schedule it on a worker,
 * publish the worker dispatch. With `follow`, prints the status messages until ExecutionCompleted.
 */
export async function submit(config: SubmitConfig, actionRef: string, opts: { param: string[]; worker?: string; follow?: boolean; timeout?: string }): Promise<void> {
  const log = scopedLogger('submit');
  const params = parseParams(opts.param);
  const timeout = opts.timeout === undefined ? null : Number(opts.timeout);
  if (timeout !== null && !(Number.isInteger(timeout) && timeout > 0)) throw new ConfigError(`--timeout must be a positive whole number of seconds`);
  const db = createDbPool(config.databaseUrl, config.databaseSchema, log, 2);
  const connection = await amqp.connect(config.messageQueueUrl);
  try {
    const action = await findAction(db, null, actionRef);
    if (!action) throw new Error(`action "${actionRef}" does not exist`);
    const worker = await selectWorker(db, action.runtime, opts.worker);
    const inserted = await db.query<{ id: string }>(
      `INSERT INTO execution (action, action_ref, config, status, timeout_seconds) VALUES ($1, $2, $3::jsonb, 'requested', $4) RETURNING id`,
      [action.id, action.ref, JSON.stringify(params), timeout],
    );
    const executionId = Number(inserted.rows[0]!.id);
    const scheduled = await db.query<{ updated: Date; pack_release: string | null; pack_release_digest: string | null }>(
      `UPDATE execution SET status = 'scheduled', worker = $2 WHERE id = $1 AND status = 'requested'
       RETURNING updated, pack_release, pack_release_digest`,
      [executionId, worker.id],
    );
    const row = scheduled.rows[0]!;

    const channel = await connection.createConfirmChannel();
    const follow = opts.follow ? await followExecution(channel, executionId) : null;
    const dispatch = newEnvelope(
      'ExecutionRequested',
      {
        execution_id: executionId,
        worker_id: worker.id,
        action_ref: action.ref,
        config: params,
        scheduled_attempt_updated_at: row.updated.toISOString(),
        release_id: row.pack_release === null ? null : Number(row.pack_release),
        release_digest: row.pack_release_digest,
      },
      'executor',
    );
    channel.publish(EXCHANGES.executions, ROUTING.dispatch(worker.id), Buffer.from(JSON.stringify(dispatch)), {
      persistent: true,
      messageId: dispatch.message_id,
      correlationId: dispatch.correlation_id,
      contentType: 'application/json',
      timestamp: Math.floor(Date.now() / 1000),
    });
    await channel.waitForConfirms();
    out(`execution ${executionId} (${action.ref}) scheduled on worker ${worker.id} "${worker.name}"`);
    if (!follow) return;
    const finalStatus = await follow.done;
    const result = await db.query<{ status: string; result: unknown }>(`SELECT status, result FROM execution WHERE id = $1`, [executionId]);
    out(`final status: ${result.rows[0]?.status}`);
    out(`result: ${JSON.stringify(result.rows[0]?.result, null, 2)}`);
    const ui = process.env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233';
    out(`Temporal UI: ${ui}/namespaces/${process.env.TEMPORAL_NAMESPACE ?? 'default'}/workflows/${deploymentNames(process.env.ATTUNE_TEMPORAL_BRIDGE_QUEUE ?? DEFAULT_BRIDGE_QUEUE).executionWorkflowId(executionId)}`);
    if (finalStatus !== 'completed') process.exitCode = 1;
  } finally {
    await connection.close().catch(() => undefined);
    await db.end();
  }
}

/** Binds a private queue to the status and completion keys before dispatching, so nothing is missed. */
async function followExecution(channel: amqp.Channel, executionId: number): Promise<{ done: Promise<string> }> {
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
  await channel.bindQueue(queue, EXCHANGES.executions, ROUTING.statusChanged);
  await channel.bindQueue(queue, EXCHANGES.executions, ROUTING.completed);
  const done = new Promise<string>((resolve) => {
    void channel.consume(
      queue,
      (msg) => {
        if (!msg) return;
        const envelope = decodeEnvelope(msg.content);
        const payload = envelope.payload as { execution_id?: number; previous_status?: string; new_status?: string; status?: string };
        if (payload.execution_id !== executionId) return;
        if (envelope.message_type === 'ExecutionStatusChanged') out(`status: ${payload.previous_status} -> ${payload.new_status}`);
        if (envelope.message_type === 'ExecutionCompleted') resolve(String(payload.status).toLowerCase());
      },
      { noAck: true },
    );
  });
  return { done };
}

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}
