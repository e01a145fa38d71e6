import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { acceptDispatch, type ExecutionHandlerDeps } from '../../bridge/execution-handlers';
import { SearchAttributes } from '../../bridge/search-attributes';
import type { Logger } from '../../src/log';

const { INDEXED_VALUE_TYPE_INT: INT, INDEXED_VALUE_TYPE_KEYWORD: KEYWORD } = temporal.api.enums.v1.IndexedValueType;
const grpcError = (code: number, message: string) => Object.assign(new Error(message), { code });

function fakeLog() {
  const warns: { fields: Record<string, unknown>; message: string }[] = [];
  const log = { warn: (fields: Record<string, unknown>, message: string) => warns.push({ fields, message }), info: () => undefined } as unknown as Logger;
  return { log, warns };
}

function fakeClient(operator: { list: () => Promise<unknown>; add?: (req: unknown) => Promise<unknown> }) {
  const added: unknown[] = [];
  const client = {
    connection: {
      operatorService: {
        listSearchAttributes: operator.list,
        addSearchAttributes: async (req: unknown) => {
          added.push(req);
          return operator.add ? operator.add(req) : {};
        },
      },
    },
  } as unknown as Client;
  return { client, added };
}

describe('search attribute registration by the bridge', () => {
  it('adds only the missing ones, tolerating another bridge adding them at the same moment', async () => {
    const { client, added } = fakeClient({ list: async () => ({ customAttributes: { AttuneExecutionId: INT, AttunePool: KEYWORD } }), add: async () => Promise.reject(grpcError(6, 'already exists')) });
    const sa = new SearchAttributes({ client, namespace: 'ns', log: fakeLog().log });
    await expect(sa.ensure()).resolves.toBe(true);
    expect(sa.ready).toBe(true);
    expect(added).toEqual([{ namespace: 'ns', searchAttributes: { AttuneActionRef: KEYWORD, AttunePack: KEYWORD, AttuneRuntime: KEYWORD, AttuneAgent: KEYWORD, AttuneStatus: KEYWORD } }]);
  });

  it('where refused (Temporal Cloud, no permission), warns once with the commands to run and carries on without them', async () => {
    const { log, warns } = fakeLog();
    let refuse = true;
    const { client } = fakeClient({ list: async () => ({ customAttributes: {} }), add: async () => (refuse ? Promise.reject(grpcError(7, 'PERMISSION_DENIED: Request unauthorized.')) : {}) });
    const sa = new SearchAttributes({ client, namespace: 'prod.a1b2c', log });
    await expect(sa.ensure()).resolves.toBe(false);
    await expect(sa.ensure()).resolves.toBe(false);
    expect(sa.ready).toBe(false);
    expect(warns).toHaveLength(1);
    expect(warns[0]!.message).toMatch(/^search attributes could not be registered: executions run without them/);
    expect(warns[0]!.fields).toMatchObject({
      why: 'PERMISSION_DENIED: Request unauthorized.',
      command: expect.stringMatching(/^temporal operator search-attribute create --namespace prod\.a1b2c --name AttuneExecutionId --type Int /),
      cloudCommand: expect.stringMatching(/^tcld namespace search-attributes add --namespace prod\.a1b2c /),
    });
    // Registered later by an operator: the next pass finds them.
    refuse = false;
    await expect(sa.ensure()).resolves.toBe(true);
  });

  it('refuses attributes of the same name registered with another type', async () => {
    const { log, warns } = fakeLog();
    const { client, added } = fakeClient({ list: async () => ({ customAttributes: { AttuneExecutionId: KEYWORD } }) });
    const sa = new SearchAttributes({ client, namespace: 'ns', log });
    await expect(sa.ensure()).resolves.toBe(false);
    expect(added).toEqual([]);
    expect(warns[0]!.fields.why).toBe('registered with another type: AttuneExecutionId');
  });
});

describe('execution starts and search attributes', () => {
  const envelope = { message_id: 'm1', headers: {} } as never;
  const payload = { execution_id: 77, worker_id: 3, action_ref: 'core.echo', config: {}, release_id: null, release_digest: null } as never;

  function deps(ready: boolean, start: (opts: { typedSearchAttributes?: unknown }) => Promise<unknown>) {
    let lost = 0;
    const d: ExecutionHandlerDeps = {
      client: { workflow: { start: (_type: string, opts: { typedSearchAttributes?: unknown }) => start(opts) } } as unknown as Client,
      bridgeTaskQueue: 'attune-bridge',
      workerId: 3,
      pool: 'p',
      log: fakeLog().log,
      legacy: { workflowIdOf: () => null } as never,
      searchAttributes: { ready, lost: () => (lost += 1) },
    };
    return { d, lost: () => lost };
  }

  it('carry them only when the namespace has them', async () => {
    const seen: unknown[] = [];
    await acceptDispatch(deps(false, async (o) => seen.push(o.typedSearchAttributes)).d, payload, envelope);
    await acceptDispatch(deps(true, async (o) => seen.push(o.typedSearchAttributes)).d, payload, envelope);
    expect(seen[0]).toBeUndefined();
    expect((seen[1] as { key: { name: string }; value: unknown }[]).map((p) => [p.key.name, p.value])).toEqual([
      ['AttuneExecutionId', 77],
      ['AttunePool', 'p'],
      ['AttuneStatus', 'scheduled'],
      ['AttuneActionRef', 'core.echo'],
      ['AttunePack', 'core'],
    ]);
  });

  it('start without them when the server refuses them after all (removed meanwhile), and forget them', async () => {
    const seen: unknown[] = [];
    const { d, lost } = deps(true, async (o) => {
      seen.push(o.typedSearchAttributes);
      if (o.typedSearchAttributes) throw grpcError(3, 'Namespace default has no mapping defined for search attribute AttuneStatus');
      return {};
    });
    await expect(acceptDispatch(d, payload, envelope)).resolves.toEqual({ kind: 'ack' });
    expect(seen.map((s) => s === undefined)).toEqual([false, true]);
    expect(lost()).toBe(1);
  });
});
