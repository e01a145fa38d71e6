import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CLI } from '../helpers/processes';
import { TEST_CODEC_KEYS } from '../helpers/services';

/**
 * Executions run for days across deployments: every recorded history must replay against the workflow
 * code we ship (dist/workflows, as the bridge bundles it). A change that breaks one needs `patched()`.
 * Re-record with `RECORD_HISTORIES=1 npx jest --selectProjects e2e` when adding scenarios.
 * (Replay runs in a child process: jest's module sandbox breaks protobufjs's type checks.)
 */
const dir = path.join(__dirname, '..', 'fixtures', 'histories');
const run = promisify(execFile);

async function replay(target: string): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, [CLI, 'replay', target], { env: { ...process.env, ATTUNE_TEMPORAL_CODEC_KEYS: TEST_CODEC_KEYS } });
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
}

describe('recorded workflow histories', () => {
  it('cover the main paths and all replay against the current workflow code', async () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    // v1: before the agent steps were split (patch agent-steps-v2); v2: with them; v3: no-op steps skipped;
    // v4: the claim wait cancellable (cancellable-claim-v1); v5: the current workflow type, attuneExecutionWorkflow
    // (eager start, local control steps, prechecks in the claim), plus its re-attach and claim-check paths; v6: started
    // with search attributes, which it keeps current (search-attributes-v1); v6-reset-*: runs made by Reset of a failed
    // execution, which create Attune's retry (reset to the first workflow task, and to the report). v6-traced: recorded
    // with tracing on (trace headers on the start and the activities); the replay command replays every history with
    // and without tracing. v6-agent-session-stopped: an agent session (session-announce-sync-v1) closed by its agent.
    // v6-lost-run-started: the run's first task lost on its way to the agent, then started by the re-attach
    // (reattach-starts-lost-run-v1); v5-reattached is the same path before that patch.
    const scenarios = ['completed-json', 'failed-exit', 'timeout', 'cancelled-running', 'cancelled-before-dispatch'];
    const expected = ['v1', 'v2', 'v3', 'v4', 'v5', 'v6'].flatMap((v) => scenarios.map((s) => `${v}-${s}.json`));
    expect(files).toEqual(expect.arrayContaining([...expected, 'v5-reattached.json', 'v5-large-parameters.json', 'v6-reset-retry.json', 'v6-reset-retry-at-report.json', 'v6-traced-completed-json.json', 'v6-agent-session-stopped.json', 'v6-lost-run-started.json']));
    // v6 carries the upserts: TemporalChangeVersion (with the patch marker), running after the claim, the final status.
    const v6 = readFileSync(path.join(dir, 'v6-completed-json.json'), 'utf8');
    expect(v6.match(/"EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES"/g)).toHaveLength(3);
    // A reset run: its start event names the original run, its history the reset (a failed workflow task) and the retry step.
    const reset = readFileSync(path.join(dir, 'v6-reset-retry.json'), 'utf8');
    expect(reset).toContain('WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW');
    expect(reset.match(/"EVENT_TYPE_MARKER_RECORDED"/g)).toHaveLength(3); // prepare, the patch, the retry (local activities)
    const { code, stdout } = await replay(dir);
    expect(stdout).toContain(`${files.length} passed, 0 failed`);
    expect(code).toBe(0);
  });

  it.each([
    ['v4-completed-json.json', 'prepareExecution'],
    ['v5-completed-json.json', 'claimAgent'],
    ['v6-completed-json.json', 'claimAgent'],
  ])('detects a history the code no longer matches (%s, %s renamed)', async (file, activity) => {
    const original = readFileSync(path.join(dir, file), 'utf8');
    const history = original.replace(`"name": "${activity}"`, '"name": "somethingElse"');
    expect(history).not.toBe(original);
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'replay-'));
    writeFileSync(path.join(tmp, 'altered.json'), history);
    const { code, stdout } = await replay(path.join(tmp, 'altered.json'));
    expect(stdout).toContain('0 passed, 1 failed');
    expect(code).toBe(1);
  });
});
