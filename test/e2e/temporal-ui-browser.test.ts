import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { TestDeployment, eventually } from '../helpers/deployment';
import { TEMPORAL_UI_URL, assertPortFree, launchChromium, uiCodecEndpoint } from '../helpers/temporal-ui';

// The committed screenshots (README) are rewritten only when asked: UPDATE_SCREENSHOTS=1. Otherwise they go to .tmp/.
const SCREENSHOTS = path.join(__dirname, '..', '..', process.env.UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : '.tmp/screenshots');
mkdirSync(SCREENSHOTS, { recursive: true });
const UI_TIMEOUT = 30_000;

/**
 * An operator in the real Temporal UI (the dev server's, in Debian's chromium): finds an execution by its Attune id
 * through the search attributes, reads its summary, its input decoded through the bridge's codec endpoint (the UI
 * server's own setting) and its status, then cancels one running execution and terminates another from the UI,
 * and each Attune row ends final, and resets a failed one, whose reset run creates Attune's retry row, which
 * Attune's scheduler (played by the test) dispatches and which runs as its own workflow. Screenshots go to .tmp/screenshots/ (docs/screenshots/, which the README shows, with UPDATE_SCREENSHOTS=1).
 */
describe('the Temporal UI in a browser', () => {
  const d = new TestDeployment();
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    const codec = await uiCodecEndpoint();
    await assertPortFree(codec.port);
    // The dev server's UI calls /codec/<token> (the local-dev path form, on only with PATH_TOKENS).
    // Reconciler passes every 2 s: a terminated workflow's row is made final within the test.
    await d.setup({ httpPort: codec.port, bridgeEnv: { ATTUNE_TEMPORAL_CODEC_TOKENS: codec.token, ATTUNE_TEMPORAL_CODEC_PATH_TOKENS: 'true', ATTUNE_TEMPORAL_RECONCILE_SECONDS: '2' } });
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    page.setDefaultTimeout(UI_TIMEOUT);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await d.teardown();
  }, 120_000);

  /** The list filtered by `AttuneExecutionId = id` (reloaded while visibility catches up), then the execution's page. */
  const openByAttuneId = async (id: number): Promise<void> => {
    const link = page.getByRole('link', { name: d.workflowId(id), exact: true }).first();
    const deadline = Date.now() + 2 * UI_TIMEOUT;
    await page.goto(`${TEMPORAL_UI_URL}/namespaces/default/workflows?query=${encodeURIComponent(`AttuneExecutionId = ${id}`)}`);
    for (;;) {
      await page.getByRole('table', { name: 'Workflows' }).waitFor();
      try {
        await link.waitFor({ state: 'visible', timeout: 5000 }); // the rows render after the table
        break;
      } catch {
        // not listed yet: visibility is eventually consistent
      }
      if (Date.now() > deadline) throw new Error(`execution ${id} not listed by AttuneExecutionId in the UI`);
      await page.reload();
    }
    await link.click();
    await page.getByRole('heading', { level: 1, name: d.workflowId(id) }).waitFor();
  };

  /**
   * The status badge beside the workflow id, once it reads `status`. Each look waits a few seconds for the page to
   * render it (on a loaded machine a reloaded page renders well after its load event: an instant check right after a
   * reload never saw it), then reloads, since the page does not poll a closed run. Only a visible match counts: the
   * page also holds hidden copies of status names (filter menus), and the first match in the document may be one.
   */
  const waitForUiStatus = async (status: string): Promise<void> => {
    const badge = page.getByRole('main').getByText(status, { exact: true }).filter({ visible: true }).first();
    const deadline = Date.now() + 2 * UI_TIMEOUT;
    for (;;) {
      try {
        await badge.waitFor({ state: 'visible', timeout: 5000 });
        return;
      } catch {
        // not (yet) this status
      }
      if (Date.now() > deadline) throw new Error(`the UI never showed status ${status}; it shows:\n${(await page.getByRole('main').ariaSnapshot()).slice(0, 2000)}`);
      await page.reload();
    }
  };

  /** A sleeping execution, running, opened in the UI. */
  const openRunningExecution = async (): Promise<number> => {
    const id = await d.dispatch('tests.sleep');
    await d.waitForStatus(id, 'running');
    await openByAttuneId(id);
    await waitForUiStatus('Running');
    return id;
  };

  /** Confirms the dialog an action opened (the cancel one asks to confirm, the terminate one for a reason too). */
  const confirmDialog = async (title: string, confirm: string, reason?: string): Promise<void> => {
    const dialog = page.getByRole('dialog', { name: title });
    await dialog.waitFor();
    if (reason !== undefined) await dialog.getByRole('textbox', { name: 'Enter a reason' }).fill(reason);
    await dialog.getByRole('button', { name: confirm, exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
  };

  it('finds a completed execution by its Attune id and reads its summary, decoded input and status', async () => {
    const id = await d.dispatch('tests.ok_json', { who: 'ui' });
    expect((await d.waitForCompletion(id)).status).toBe('completed');
    await openByAttuneId(id);
    await waitForUiStatus('Completed');

    // The input as the bridge started it, decrypted by the codec endpoint: plaintext, no codec error.
    const input = page.getByRole('textbox').filter({ hasText: '"actionRef": "tests.ok_json"' });
    await input.waitFor();
    expect(await input.textContent()).toContain(`"executionId": ${id}`);
    expect(await page.getByText('Codec Server could not connect').count()).toBe(0);
    expect(await page.getByText('binary/encrypted').count()).toBe(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'temporal-ui-execution.png') });

    await page.getByRole('tab', { name: 'User Metadata' }).click();
    const summary = page.getByRole('heading', { name: 'Summary' }).locator('xpath=following::iframe[1]').contentFrame().locator('body');
    await summary.getByText(`tests.ok_json · execution ${id} · pool ${d.pool}`).waitFor();
    await page.getByText(`run shell actions/ok_json.sh on agent ${d.pool}.`).first().waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'temporal-ui-summary.png') });
  });

  it('cancels a running execution from the UI: the Attune row ends cancelled', async () => {
    const id = await openRunningExecution();
    await page.getByRole('button', { name: 'Request Cancellation' }).click();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'temporal-ui-cancel.png') });
    await confirmDialog('Cancel Workflow', 'Confirm');
    const row = await d.waitForCompletion(id, 60_000);
    expect(row.status).toBe('cancelled');
    // The workflow itself reports the cancel and completes: a cancellation request means Attune's cancel.
    await waitForUiStatus('Completed');
    await page.getByText('Workflow Execution Cancel Requested').first().waitFor();
  });

  it('terminates a running execution from the UI: the reconciler makes the Attune row final', async () => {
    const id = await openRunningExecution();
    await page.getByRole('button', { name: 'More Actions' }).click();
    await page.getByRole('menuitem', { name: 'Terminate' }).click();
    await confirmDialog('Terminate Workflow', 'Terminate', 'operator terminated it in the browser test');
    await waitForUiStatus('Terminated');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'temporal-ui-terminated.png') });
    const row = await d.waitForCompletion(id, 60_000);
    expect(row.status).toBe('failed');
    expect(row.result).toEqual({ succeeded: false, error: `Workflow ${d.workflowId(id)} ended terminated without reporting the execution (see it in the Temporal UI)` });
  });

  it('resets a failed execution from the UI: the reset run creates the retry row, which runs as its own workflow', async () => {
    const script = path.join(d.packsDir, 'tests', 'actions', 'fail.sh');
    const id = await d.createExecution('tests.fail');
    await d.pinRelease(id);
    await d.dispatchExisting(id, 'tests.fail');
    expect((await d.waitForCompletion(id)).status).toBe('failed');
    writeFileSync(script, '#!/bin/sh\nread -r params\necho "fixed"\n'); // the operator fixed the cause

    await openByAttuneId(id);
    await waitForUiStatus('Completed');
    await page.getByRole('main').getByRole('button', { name: 'Reset', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Reset Workflow' });
    await dialog.waitFor();
    await dialog.getByRole('button').filter({ has: page.getByRole('textbox') }).click(); // "Choose an Event to reset to"
    await dialog.getByRole('option', { name: /WorkflowTaskCompleted/ }).first().click();
    await dialog.getByRole('textbox').last().fill('retry after the fix');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'temporal-ui-reset.png') });
    await dialog.getByRole('button', { name: 'Confirm', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });

    const [retry] = await eventually(async () => {
      const rows = await d.retriesOf(id);
      return rows.length > 0 ? rows : undefined;
    }, UI_TIMEOUT, 'the retry row');
    expect(retry).toMatchObject({ status: 'requested', retry_reason: 'manual_retry', retry_count: 1, original_execution: String(id) });
    const retryId = Number(retry!.id);
    await d.schedule(retryId); // Attune's scheduler
    expect((await d.waitForCompletion(retryId)).status).toBe('completed');
    await openByAttuneId(retryId);
    await waitForUiStatus('Completed');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'temporal-ui-retry.png') });
  });
});
