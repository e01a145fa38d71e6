import type { Pool } from 'pg';
import { beginExecution } from '../../bridge/begin-execution';
import type { ExecutionStatusChangedPayload } from '../../src/attune/messages';

/** The `running` message is never lost: a retry that finds the row already running (its first publish failed) publishes it again. */
function fakeDb(previousStatus: string): Pool {
  return { query: async () => ({ rows: [{ previous_status: previousStatus, action: 3, action_ref: 'core.echo' }] }) } as unknown as Pool;
}

describe('beginExecution', () => {
  it.each([
    ['first attempt (row was scheduled)', 'scheduled'],
    ['retry after the write (row already running)', 'running'],
  ])('%s: publishes scheduled → running', async (_case, previous) => {
    const published: ExecutionStatusChangedPayload[] = [];
    const result = await beginExecution({ db: fakeDb(previous), publisher: { statusChanged: async (p) => void published.push(p) } }, { executionId: 42, workerId: 7 });
    expect(result).toEqual({ v: 1, kind: 'running' });
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ execution_id: 42, action_ref: 'core.echo', previous_status: 'scheduled', new_status: 'running' });
  });
});
