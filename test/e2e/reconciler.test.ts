import { TestDeployment } from '../helpers/deployment';
import { SERVICES } from '../helpers/services';

/**
 * A final row, always — also for ends that never reach workflow code: the bridge's reconciler gives rows of
 * its pools whose workflow closed without reporting (terminated, failed by the server) or vanished a final
 * `failed` row with a clear error, and the bus its messages.
 */
describe('reconciler', () => {
  let d: TestDeployment;
  beforeAll(async () => {
    d = await new TestDeployment().setup({ bridgeEnv: { ATTUNE_TEMPORAL_RECONCILE_SECONDS: '1' } });
  });
  afterAll(() => d.teardown());

  const finalRow = async (id: number) => {
    const row = await d.waitForCompletion(id, 60_000);
    expect(d.messagesFor(id, 'ExecutionStatusChanged').at(-1)?.payload).toMatchObject({ new_status: 'failed' });
    return row;
  };

  it('a workflow terminated from the UI while its action runs', async () => {
    const id = await d.dispatch('tests.sleep');
    await d.waitForStatus(id, 'running');
    await d.temporal.workflow.getHandle(d.workflowId(id)).terminate('operator pressed Terminate');
    const row = await finalRow(id);
    expect(row.status).toBe('failed');
    expect(row.result).toEqual({ succeeded: false, error: `Workflow ${d.workflowId(id)} ended terminated without reporting the execution (see it in the Temporal UI)` });
  });

  it('a workflow deleted while its action runs', async () => {
    const id = await d.dispatch('tests.sleep');
    await d.waitForStatus(id, 'running');
    await d.temporal.workflowService.deleteWorkflowExecution({ namespace: SERVICES.namespace, workflowExecution: { workflowId: d.workflowId(id) } });
    const row = await finalRow(id);
    expect(row.status).toBe('failed');
    expect(row.result).toEqual({ succeeded: false, error: `Workflow ${d.workflowId(id)} no longer exists (deleted?); the execution was not reported` });
  });

  it('a row already final is never touched, and a running workflow is left to report itself', async () => {
    const done = await d.dispatch('tests.ok_json', { n: 1 });
    expect((await d.waitForCompletion(done)).status).toBe('completed');
    const running = await d.dispatch('tests.sleep');
    await d.waitForStatus(running, 'running');
    await new Promise((r) => setTimeout(r, 4000)); // several reconciler passes
    expect((await d.row(done)).status).toBe('completed');
    expect((await d.row(running)).status).toBe('running');
    await d.cancel(running);
    expect((await d.waitForCompletion(running)).status).toBe('cancelled');
  });
});
