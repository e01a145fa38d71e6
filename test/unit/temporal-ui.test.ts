import { msNumberToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { missingAttributes, packOf, registrationCommands, startAttributes } from '../../bridge/search-attributes';
import { PRESENCE_STALE_MS, sessionVanished, sessionView } from '../../bridge/vanished-sessions';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/names';
import { lastLineOf, progressOfHeartbeat } from '../../workflows/progress';
import { currentDetails, statusView } from '../../workflows/status-view';
import type { ExecutionState } from '../../workflows/state';
import { SUMMARIES, whatRuns } from '../../workflows/summaries';
import type { RunSpec } from '../../src/temporal/contracts';
import { BridgeMetrics } from '../../bridge/metrics';

const runSpec = (executionId: number, over: Partial<RunSpec>): RunSpec => ({
  v: 1, executionId, actionRef: 'p.a', packRef: 'p', releaseDigest: null, entrypoint: 'a.sh', isAdhoc: false, runtimeName: 'shell', executionConfig: {},
  parameters: {}, parameterDelivery: 'stdin', parameterFormat: 'json', timeoutSeconds: 60, contextEnv: {}, executionEnv: {}, ...over,
});

const { INDEXED_VALUE_TYPE_INT: INT, INDEXED_VALUE_TYPE_KEYWORD: KEYWORD, INDEXED_VALUE_TYPE_TEXT: TEXT } = temporal.api.enums.v1.IndexedValueType;

describe('search attributes', () => {
  it('derive the pack from the action ref and are all plain names and ids', () => {
    expect(packOf('core.http_request')).toBe('core');
    expect(packOf('noDot')).toBeNull();
    expect(packOf('.odd')).toBeNull();
    expect(startAttributes(41, 'pool-a', 'tests.ok_json').map((p) => [p.key.name, p.value])).toEqual([
      ['AttuneExecutionId', 41],
      ['AttunePool', 'pool-a'],
      ['AttuneStatus', 'scheduled'],
      ['AttuneActionRef', 'tests.ok_json'],
      ['AttunePack', 'tests'],
    ]);
    // A cancel that beat its dispatch: no action known yet.
    expect(startAttributes(42, 'pool-a', null).map((p) => p.key.name)).toEqual(['AttuneExecutionId', 'AttunePool', 'AttuneStatus']);
  });

  it('are registered where missing, and refused where registered with another type', () => {
    const all = Object.fromEntries(Object.values(SEARCH_ATTRIBUTES).map((k) => [k.name, k.name === 'AttuneExecutionId' ? INT : KEYWORD]));
    expect(missingAttributes(all)).toEqual({ missing: [], mistyped: [] });
    expect(missingAttributes({ AttuneExecutionId: INT })).toEqual({ missing: ['AttuneActionRef', 'AttunePack', 'AttuneRuntime', 'AttunePool', 'AttuneAgent', 'AttuneStatus'], mistyped: [] });
    expect(missingAttributes({ ...all, AttuneExecutionId: KEYWORD, AttuneStatus: TEXT })).toEqual({ missing: [], mistyped: ['AttuneExecutionId', 'AttuneStatus'] });
  });

  it('come with the commands an operator runs where the bridge may not register them', () => {
    const [cli, tcld] = registrationCommands('prod');
    expect(cli).toBe(
      'temporal operator search-attribute create --namespace prod --name AttuneExecutionId --type Int --name AttuneActionRef --type Keyword --name AttunePack --type Keyword --name AttuneRuntime --type Keyword --name AttunePool --type Keyword --name AttuneAgent --type Keyword --name AttuneStatus --type Keyword',
    );
    expect(tcld).toMatch(/^tcld namespace search-attributes add --namespace prod --sa 'AttuneExecutionId=Int' --sa 'AttuneActionRef=Keyword' .* --sa 'AttuneStatus=Keyword'$/);
  });
});

describe('activity summaries', () => {
  it('name the entrypoint file, or the action ref for inline code, never parameters', () => {
    const spec = runSpec(7, { runtimeName: 'python', entrypoint: 'hello.py', parameters: { password: 'hunter2' } });
    expect(SUMMARIES.run(spec, 'pool.host.1')).toBe('run python actions/hello.py on agent pool.host.1');
    expect(SUMMARIES.run({ ...spec, attach: true }, 'pool.host.1')).toBe('re-attach to python actions/hello.py on agent pool.host.1');
    expect(whatRuns({ runtimeName: 'shell', entrypoint: 'echo "$TOKEN" | curl -d @- x', actionRef: 'tests.inline' })).toBe('shell tests.inline');
    expect(whatRuns({ runtimeName: null, entrypoint: 'bin/run', actionRef: 'p.a' })).toBe('actions/bin/run');
    expect(whatRuns({ runtimeName: 'shell', entrypoint: '../../etc/x y', actionRef: 'p.a' })).toBe('shell p.a');
    expect(SUMMARIES.version({ ...spec, runtimeVersionConstraint: ' >=3.8 ' }, 'a')).toBe('check python >=3.8 on agent a');
    expect(SUMMARIES.claim(7, 'pool-a')).toBe('claim execution 7 on pool pool-a');
  });
});

describe('the status query', () => {
  const state = (over: Partial<ExecutionState> = {}): ExecutionState => ({ phase: 'running', dispatches: 1, cancelRequested: false, agentId: 'a1', claims: 1, finalStatus: null, progress: null, ...over });

  it('says what is known: progress only from an outcome or the last heartbeat of a lost run', () => {
    expect(statusView(5, 'p.a', state())).toMatchObject({ phase: 'running', agentId: 'a1', pid: null, stdoutBytes: null, progressFrom: null });
    const p = progressOfHeartbeat({ stdoutBytes: 10, stderrBytes: 2, lastLine: 'step 3', pid: 99 });
    expect(p).toEqual({ pid: 99, stdoutBytes: 10, stderrBytes: 2, lastLine: 'step 3', from: 'last_heartbeat' });
    expect(statusView(5, 'p.a', state({ progress: p }))).toMatchObject({ pid: 99, stdoutBytes: 10, stderrBytes: 2, lastLine: 'step 3', progressFrom: 'last_heartbeat' });
    expect(progressOfHeartbeat(undefined)).toBeNull();
    expect(progressOfHeartbeat({ something: 'else' })).toBeNull();
  });

  it('takes the last non-empty line of a tail, cut to a readable length', () => {
    expect(lastLineOf('a\nb\n\n  \n')).toBe('b');
    expect(lastLineOf('')).toBeNull();
    expect(lastLineOf(null)).toBeNull();
    expect(lastLineOf('x'.repeat(500))).toHaveLength(200);
  });

  it('renders the current details line', () => {
    expect(currentDetails(statusView(5, 'p.a', state({ claims: 2, cancelRequested: true })))).toBe('**running** · `p.a` · agent `a1` · claim 2 · cancel requested');
    expect(currentDetails(statusView(5, null, state({ phase: 'claiming', agentId: null })))).toBe('**waiting for an agent to claim it**');
    expect(currentDetails(statusView(5, 'p.a', state({ phase: 'done', finalStatus: 'failed', progress: { pid: null, stdoutBytes: 3, stderrBytes: 1, lastLine: null, from: 'outcome' } })))).toBe(
      '**failed** · `p.a` · agent `a1` · 3 B stdout, 1 B stderr',
    );
  });
});

describe('vanished agent sessions', () => {
  const ts = msNumberToTs;
  const now = 10_000_000;
  const describe_ = (startMs: number, activities: { type: string; heartbeat?: number; started?: number; scheduled?: number }[], task?: number) => ({
    startTime: new Date(startMs),
    raw: {
      pendingActivities: activities.map((a) => ({
        activityType: { name: a.type },
        lastHeartbeatTime: a.heartbeat === undefined ? null : ts(a.heartbeat),
        lastStartedTime: a.started === undefined ? null : ts(a.started),
        scheduledTime: a.scheduled === undefined ? null : ts(a.scheduled),
      })),
      pendingWorkflowTask: task === undefined ? null : { scheduledTime: ts(task) },
    },
  });
  const vanished = (d: ReturnType<typeof describe_>) => sessionVanished(sessionView(d), now, 60_000);

  it('are those with nothing moving for a while, once their own timeouts had their chance', () => {
    // A live agent: its presence heartbeat is seconds old.
    expect(vanished(describe_(now - 3_600_000, [{ type: 'holdPresence', scheduled: now - 3_600_000, started: now - 3_599_000, heartbeat: now - 2_000 }]))).toBe(false);
    // Heartbeats stopped long ago, or a presence nobody ever picked up.
    expect(vanished(describe_(now - 3_600_000, [{ type: 'holdPresence', started: now - 3_599_000, heartbeat: now - PRESENCE_STALE_MS - 1 }]))).toBe(true);
    expect(vanished(describe_(now - 120_000, [{ type: 'holdPresence', scheduled: now - 120_000 }]))).toBe(true);
    // Closing right now (the departure sync just scheduled) is left alone; a workflow task stuck for long is not.
    expect(vanished(describe_(now - 3_600_000, [{ type: 'syncPools', scheduled: now - 500 }]))).toBe(false);
    expect(vanished(describe_(now - 3_600_000, [], now - 300_000))).toBe(true);
    expect(vanished(describe_(now - 3_600_000, []))).toBe(true);
    // Young sessions are never touched.
    expect(vanished(describe_(now - 30_000, []))).toBe(false);
  });
});

describe('bridge metrics', () => {
  it('count with bounded labels and read executions in flight at scrape time', async () => {
    let open = [{ pool: 'a', open: 2 }];
    const m = new BridgeMetrics(async () => open);
    m.dispatchReceived('a');
    m.dispatchReceived('a');
    m.cancelReceived('a');
    m.messageParked('invalid_payload');
    m.executionFinished('completed', 1.5);
    m.executionFinished('failed', null);
    m.claimed('a', 250);
    m.reconcilerAction('session_closed');
    const { body, contentType } = await m.expose();
    expect(contentType).toMatch(/^text\/plain/);
    expect(body).toContain('attune_temporal_dispatches_received_total{pool="a"} 2');
    expect(body).toContain('attune_temporal_cancels_received_total{pool="a"} 1');
    expect(body).toContain('attune_temporal_parked_messages_total{reason="invalid_payload"} 1');
    expect(body).toContain('attune_temporal_executions_total{status="completed"} 1');
    expect(body).toContain('attune_temporal_executions_total{status="failed"} 1');
    expect(body).toContain('attune_temporal_execution_duration_seconds_count{status="completed"} 1');
    expect(body).not.toContain('attune_temporal_execution_duration_seconds_count{status="failed"}');
    expect(body).toContain('attune_temporal_claim_wait_seconds_bucket{le="0.25",pool="a"} 1');
    expect(body).toContain('attune_temporal_reconciler_actions_total{action="session_closed"} 1');
    expect(body).toContain('attune_temporal_executions_in_flight{pool="a"} 2');
    expect(body).toContain('process_cpu_seconds_total');
    open = [{ pool: 'b', open: 0 }];
    const again = (await m.expose()).body;
    expect(again).toContain('attune_temporal_executions_in_flight{pool="b"} 0');
    expect(again).not.toContain('attune_temporal_executions_in_flight{pool="a"}');
  });
});
