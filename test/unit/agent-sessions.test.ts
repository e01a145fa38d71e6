import type { Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import pino from 'pino';
import { listAgentSessions } from '../../bridge/pool-registry';
import { EncryptionCodec } from '../../src/temporal/payload-codec';
import type { AgentSessionInput } from '../../src/temporal/contracts';

/** Listing agent sessions: one undecodable memo (another deployment's key) must not hide the others. */
const ours = new EncryptionCodec([{ id: 'ours', key: Buffer.alloc(32, 1) }]);
const theirs = new EncryptionCodec([{ id: 'theirs', key: Buffer.alloc(32, 2) }]);

const session = (agentId: string): AgentSessionInput => ({
  v: 1,
  agentId,
  pool: 'p',
  hostname: 'h',
  startedAt: '2026-01-01T00:00:00.000Z',
  agentVersion: '0',
  capabilities: { runtimes: [], runtime_versions: {}, detected_interpreters: [], labels: {}, max_concurrent_executions: 1 },
});

async function entry(workflowId: string, memo: Record<string, unknown> | null, codec = ours) {
  const fields: Record<string, Payload> = {};
  for (const [k, v] of Object.entries(memo ?? {})) fields[k] = (await codec.encode([defaultPayloadConverter.toPayload(v)]))[0]!;
  return { execution: { workflowId, runId: `${workflowId}-run` }, type: { name: 'agentSessionWorkflow' }, memo: memo ? { fields } : null };
}

/** Just enough of a Client: the raw list RPC (pages of two) and the loaded data converter. */
function fakeClient(executions: unknown[]) {
  const calls: { query: string; namespace: string }[] = [];
  const client = {
    options: { namespace: 'ns', loadedDataConverter: { payloadConverter: defaultPayloadConverter, payloadCodecs: [ours], failureConverter: undefined } },
    workflowService: {
      listWorkflowExecutions: async (req: { namespace: string; query: string; nextPageToken?: Uint8Array }) => {
        calls.push({ query: req.query, namespace: req.namespace });
        const start = req.nextPageToken && req.nextPageToken.length > 0 ? Number(Buffer.from(req.nextPageToken).toString()) : 0;
        const next = start + 2 < executions.length ? Buffer.from(String(start + 2)) : Buffer.alloc(0);
        return { executions: executions.slice(start, start + 2), nextPageToken: next };
      },
    },
  };
  return { client: client as unknown as Client, calls };
}

describe('listAgentSessions', () => {
  it('decodes each memo on its own: an undecodable one is reported and skipped, the rest are listed', async () => {
    const { client, calls } = fakeClient([
      await entry('attune-agent-a', { session: session('a') }),
      await entry('attune-agent-foreign', { session: session('x') }, theirs),
      await entry('attune-agent-b', { session: session('b') }),
      await entry('attune-agent-nomemo', null),
      await entry('attune-agent-old', { session: { v: 0 } }),
    ]);
    const undecodable: [string, string][] = [];
    const sessions = await listAgentSessions(client, 'the query', (id, err) => undecodable.push([id, (err as Error).message]));
    expect(sessions.map((s) => s.agentId)).toEqual(['a', 'b']);
    expect(undecodable).toEqual([['attune-agent-foreign', 'payload encrypted with unknown codec key id "theirs"']]);
    expect(calls).toEqual([
      { query: 'the query', namespace: 'ns' },
      { query: 'the query', namespace: 'ns' },
      { query: 'the query', namespace: 'ns' },
    ]);
  });

  it('an undecodable session is warned about once per workflow id, not at every sync', async () => {
    const { PoolRegistry } = await import('../../bridge/pool-registry');
    const { client } = fakeClient([await entry('attune-agent-foreign', { session: session('x') }, theirs)]);
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (s: string) => lines.push(s) });
    const db = { query: async () => ({ rows: [] }) };
    const registry = new PoolRegistry({ client, db: db as never, log, bridgeTaskQueue: 'q', attach: async () => undefined, detach: async () => false, detachAfterSeconds: 600 });
    for (let i = 0; i < 3; i++) await registry.sync();
    const warnings = lines.map((l) => JSON.parse(l) as { msg: string; workflowId?: string }).filter((l) => l.workflowId === 'attune-agent-foreign');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toMatch(/skipped/);
  });
});
