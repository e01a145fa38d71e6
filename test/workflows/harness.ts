import { randomUUID } from 'node:crypto';
import { activityInfo, heartbeat, sleep } from '@temporalio/activity';
import { Client, Connection, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode, type LogEntry, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type {
  AttuneExecutionInput,
  AgentActivities,
  AgentControlActivities,
  BeginResult,
  CancelSignal,
  ClaimResult,
  CompleteInput,
  CompleteResult,
  ControlActivities,
  DispatchSignal,
  EnvironmentResult,
  ExecutionWorkflowInput,
  PoolActivities,
  PrepareResult,
  RunOutcome,
  RunSpec,
  VersionCheckResult,
} from '../../src/temporal/contracts';
import { QUERIES, SIGNALS, WORKFLOW_TYPES, agentControlTaskQueue, agentTaskQueue, poolTaskQueue } from '../../src/temporal/names';
import type { ExecutionState, ExecutionWorkflowResult, executionWorkflow } from '../../workflows/execution';
import { SERVICES, testDataConverter } from '../helpers/services';
import { SearchAttributes, startAttributes } from '../../bridge/search-attributes';
import { scopedLogger } from '../../src/log';

/**
 * The real execution workflow on the real Temporal dev server, with stub activities in this process: one
 * Worker per queue the workflow talks to (its own queue with the control-plane stubs, the pool queue with
 * the claim stub, one agent's queue and its control queue), all named after a random id so test files
 * (and earlier runs) never share a queue. What a stub does is chosen per execution by a `Scenario`; every
 * call is recorded with its input and the activity's effective options as the server sent them.
 */

type Json = Record<string, unknown>;
export type StubName =
  | 'prepareExecution'
  | 'beginExecution'
  | 'completeExecution'
  | 'claimAgent'
  | 'ensureEnvironment'
  | 'verifyRuntimeVersion'
  | 'runAction'
  | 'finalizeArtifacts'
  | 'killAction';

export interface StubCall {
  name: StubName;
  input: Json;
  taskQueue: string;
  attempt: number;
  scheduleToCloseTimeoutMs: number;
  startToCloseTimeoutMs: number;
  heartbeatTimeoutMs: number | undefined;
}

/** What a stub may do besides answering: cancel its own execution (signal or workflow cancel) and wait until the workflow saw it. */
export interface StubContext {
  executionId: number;
  /** Attempts of this stub for this execution so far, this one included. */
  call: number;
  cancel(): Promise<void>;
  /** Resolves when killAction was delivered for this execution. */
  killed: Promise<void>;
  /** Sends a further dispatch signal and waits until the workflow counted it. */
  dispatchAgain(d: DispatchSignal): Promise<void>;
}

type Stub<I, O> = (input: I, ctx: StubContext) => Promise<O>;
export interface Scenario {
  prepare?: Stub<{ v: 1; executionId: number; workerId: number; dispatch: DispatchSignal }, PrepareResult>;
  begin?: Stub<{ v: 1; executionId: number; workerId: number }, BeginResult>;
  complete?: Stub<CompleteInput, CompleteResult>;
  claim?: Stub<{ v: 1; executionId: number; spec?: RunSpec }, ClaimResult>;
  environment?: Stub<RunSpec, EnvironmentResult>;
  verify?: Stub<RunSpec, VersionCheckResult>;
  run?: Stub<RunSpec, RunOutcome>;
  finalize?: Stub<{ v: 1; executionId: number }, { v: 1; files: [] }>;
  kill?: Stub<{ v: 1; executionId: number; reason: 'cancel' }, { v: 1; signalled: boolean }>;
  /** How a stub's `ctx.cancel()` cancels: Attune's cancel signal (default) or a workflow cancellation request. */
  cancelBy?: 'signal' | 'workflow';
  /** The spec prepareExecution returns by default (merged over `runSpec()`). */
  spec?: Partial<RunSpec>;
}

/** Waits short enough for tests; each test may override. Production values apply when `testTimings` is absent. */
export const FAST: NonNullable<ExecutionWorkflowInput['testTimings']> = {
  claimWait: '5s',
  agentScheduleToStart: '2s',
  runHeartbeatTimeout: '3s',
  environmentHeartbeatTimeout: '3s',
  killWait: '3s',
  reattachWait: '2s',
};

export const dispatchFor = (executionId: number, messageId = `dispatch-${executionId}`): DispatchSignal => ({
  v: 1,
  messageId,
  actionRef: 'tests.stub',
  releaseId: null,
  releaseDigest: null,
});

export function runSpec(executionId: number, over: Partial<RunSpec> = {}): RunSpec {
  return {
    v: 1,
    executionId,
    actionRef: 'tests.stub',
    packRef: 'tests',
    releaseDigest: null,
    entrypoint: 'stub.sh',
    isAdhoc: false,
    runtimeName: 'shell',
    executionConfig: {},
    parameters: {},
    parameterDelivery: 'stdin',
    parameterFormat: 'json',
    timeoutSeconds: 60,
    contextEnv: {},
    executionEnv: {},
    ...over,
  };
}

export function outcome(agentId: string, over: Partial<RunOutcome> = {}): RunOutcome {
  return { v: 1, kind: 'exited', exitCode: 0, durationMs: 5, stdout: null, stderr: null, error: null, agentId, ...over };
}

/** The bridge's status rule in miniature: the failure's status, else what the process did. */
function statusOf(input: CompleteInput): string {
  if (input.failure) return input.failure.status;
  const o = input.outcome!;
  if (o.kind === 'exited') return o.exitCode === 0 ? 'completed' : 'failed';
  if (o.kind === 'timed_out') return 'timeout';
  if (o.kind === 'cancelled') return 'cancelled';
  return 'failed';
}

export class WorkflowHarness {
  readonly id = randomUUID().slice(0, 8);
  /** The workflows' queue; control-plane stubs are served here, as the bridge serves them. */
  readonly taskQueue = `wft-${this.id}`;
  readonly pool = `wft-${this.id}`;
  /** The agent the claim stub hands out by default; its queues are served by stub workers. */
  readonly agentId = `wft-${this.id}-live`;
  readonly calls = new Map<number, StubCall[]>();
  /** Workflow log entries (log.warn in the workflow), by execution id. */
  readonly logs = new Map<number, { level: string; message: string; meta: Json }[]>();
  private readonly scenarios = new Map<number, Scenario>();
  private readonly handles = new Map<number, WorkflowHandle<typeof executionWorkflow>>();
  private readonly kills = new Map<number, () => void>();
  private readonly killed = new Map<number, Promise<void>>();
  private nextId = Math.floor(Math.random() * 1e6) * 1e6;
  private readonly dataConverter: DataConverter = testDataConverter();
  private native!: NativeConnection;
  private connection!: Connection;
  client!: Client;
  private workers: Worker[] = [];
  private running: Promise<void>[] = [];

  /** A claim result for an agent whose queues nobody serves: a vanished agent. */
  goneAgent(label = 'gone'): ClaimResult {
    const agentId = `wft-${this.id}-${label}-${randomUUID().slice(0, 4)}`;
    return { v: 1, agentId, taskQueue: agentTaskQueue(agentId), controlTaskQueue: agentControlTaskQueue(agentId) };
  }

  liveAgent(): ClaimResult {
    return { v: 1, agentId: this.agentId, taskQueue: agentTaskQueue(this.agentId), controlTaskQueue: agentControlTaskQueue(this.agentId) };
  }

  async setup(): Promise<this> {
    // Workflow log entries are kept per execution for assertions; the SDK's own chatter stays quiet.
    Runtime.install({
      logger: new DefaultLogger('INFO', (entry: LogEntry) => {
        const meta: Json = entry.meta ?? {};
        // WFT_DEBUG=1 shows the SDK's log too.
        if (process.env.WFT_DEBUG) process.stderr.write(`LOG ${entry.level} ${entry.message} ${JSON.stringify(meta)}\n`);
        const workflowId = typeof meta.workflowId === 'string' ? meta.workflowId : '';
        const match = /^wft-[0-9a-f]{8}-(\d+)$/.exec(workflowId);
        if (match && meta.sdkComponent === 'workflow') {
          const id = Number(match[1]);
          this.logs.set(id, [...(this.logs.get(id) ?? []), { level: entry.level, message: entry.message, meta }]);
        } else if (entry.level === 'ERROR') {
          process.stderr.write(`[temporal ${entry.level}] ${entry.message} ${JSON.stringify(meta)}\n`);
        }
      }),
    });
    const bundle: WorkflowBundleWithSourceMap = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../workflows'),
      failureConverterPath: require.resolve('../../src/temporal/failure-converter'),
      logger: new DefaultLogger('WARN'),
    });
    this.native = await NativeConnection.connect({ address: SERVICES.temporalAddress });
    this.connection = await Connection.connect({ address: SERVICES.temporalAddress });
    this.client = new Client({ connection: this.connection, namespace: SERVICES.namespace, dataConverter: this.dataConverter });

    const control: ControlActivities = {
      prepareExecution: this.stub('prepareExecution', (s) => s.prepare, async (input) => {
        const spec = runSpec(input.executionId, this.scenarios.get(input.executionId)?.spec);
        return { v: 1, kind: 'ready', spec, outputFormat: 'json' };
      }),
      beginExecution: this.stub('beginExecution', (s) => s.begin, async () => ({ v: 1, kind: 'running' })),
      completeExecution: this.stub('completeExecution', (s) => s.complete, async (input) => ({ v: 1, applied: true, status: statusOf(input), previousStatus: 'running' })),
      retryExecution: async () => {
        throw new Error('retryExecution: the workflow harness never resets a workflow (test/e2e/retry-reset.test.ts does)');
      },
      syncPools: async () => undefined,
    };
    const pool: PoolActivities = {
      claimAgent: this.stub('claimAgent', (s) => s.claim, async () => this.liveAgent()),
    };
    const agent: AgentActivities = {
      ensureEnvironment: this.stub('ensureEnvironment', (s) => s.environment, async () => ({ v: 1, status: 'built', key: 'k', envDir: '/env', error: null, durationMs: 1 })),
      verifyRuntimeVersion: this.stub('verifyRuntimeVersion', (s) => s.verify, async (spec) => ({ v: 1, ok: true, interpreter: '/bin/sh', version: '1', constraint: spec.runtimeVersionConstraint ?? null, error: null })),
      runAction: this.stub('runAction', (s) => s.run, async () => outcome(this.agentId)),
      finalizeArtifacts: this.stub('finalizeArtifacts', (s) => s.finalize, async () => ({ v: 1, files: [] })),
    };
    const agentControl: AgentControlActivities = {
      killAction: this.stub('killAction', (s) => s.kill, async (input) => {
        this.kills.get(input.executionId)?.();
        return { v: 1, signalled: true };
      }),
      holdPresence: async () => undefined,
    };
    const common = { connection: this.native, namespace: SERVICES.namespace, dataConverter: this.dataConverter, shutdownGraceTime: '2s', shutdownForceTime: '10s' } as const;
    this.workers = await Promise.all([
      Worker.create({ ...common, taskQueue: this.taskQueue, workflowBundle: bundle, activities: control }),
      Worker.create({ ...common, taskQueue: poolTaskQueue(this.pool), activities: pool }),
      Worker.create({ ...common, taskQueue: agentTaskQueue(this.agentId), activities: agent }),
      Worker.create({ ...common, taskQueue: agentControlTaskQueue(this.agentId), activities: agentControl }),
    ]);
    this.running = this.workers.map((w) => w.run());
    return this;
  }

  /** Wraps one activity: records the call, then runs the scenario's stub or the default. */
  private stub<I extends { executionId: number }, O>(name: StubName, pick: (s: Scenario) => Stub<I, O> | undefined, fallback: Stub<I, O>): (input: I) => Promise<O> {
    return async (input: I) => {
      const info = activityInfo();
      const executionId = input.executionId;
      const calls = this.calls.get(executionId) ?? [];
      this.calls.set(executionId, calls);
      calls.push({
        name,
        input,
        taskQueue: info.taskQueue,
        attempt: info.attempt,
        scheduleToCloseTimeoutMs: info.scheduleToCloseTimeoutMs,
        startToCloseTimeoutMs: info.startToCloseTimeoutMs,
        heartbeatTimeoutMs: info.heartbeatTimeoutMs,
      });
      const scenario = this.scenarios.get(executionId) ?? {};
      const ctx: StubContext = {
        executionId,
        call: calls.filter((c) => c.name === name).length,
        cancel: () => this.cancel(executionId, scenario.cancelBy ?? 'signal'),
        killed: this.killed.get(executionId) ?? Promise.resolve(),
        dispatchAgain: async (d) => {
          const before = (await this.state(executionId)).dispatches;
          await this.handle(executionId).signal(SIGNALS.dispatch, d);
          await this.until(executionId, (s) => s.dispatches > before);
        },
      };
      return (pick(scenario) ?? fallback)(input, ctx);
    };
  }

  /**
   * Starts one execution workflow as the bridge does (signal-with-start with the dispatch), or without a
   * dispatch (`dispatch: false`, as when Attune's cancel beat it). `testTimings: undefined` ⇒ production waits.
   */
  async start(
    scenario: Scenario = {},
    opts: { dispatch?: boolean; testTimings?: ExecutionWorkflowInput['testTimings'] | null; pool?: string; type?: 'execution' | 'attuneExecution'; searchAttributes?: boolean } = {},
  ): Promise<{ executionId: number; handle: WorkflowHandle<typeof executionWorkflow> }> {
    const executionId = (this.nextId += 1);
    this.scenarios.set(executionId, scenario);
    let kill!: () => void;
    this.killed.set(executionId, new Promise<void>((resolve) => (kill = resolve)));
    this.kills.set(executionId, kill);
    const input: ExecutionWorkflowInput = { v: 1, executionId, workerId: 7, pool: opts.pool ?? this.pool };
    const timings = opts.testTimings === undefined ? FAST : opts.testTimings;
    if (timings) input.testTimings = timings;
    const workflowId = `wft-${this.id}-${executionId}`;
    if (opts.type === 'attuneExecution') {
      // The current flow: the dispatch rides in the input (the bridge starts it eagerly); none when a cancel came first.
      const current: AttuneExecutionInput = { ...input, poolTaskQueue: poolTaskQueue(input.pool), dispatch: opts.dispatch === false ? null : dispatchFor(executionId) };
      // As the bridge does once it registered them (bridge/search-attributes.ts); without them, none are upserted.
      if (opts.searchAttributes && !(await this.searchAttributes().ensure())) throw new Error('search attributes could not be registered on the dev server');
      const handle = await this.client.workflow.start<typeof executionWorkflow>(WORKFLOW_TYPES.attuneExecution, {
        workflowId,
        taskQueue: this.taskQueue,
        args: [current],
        workflowExecutionTimeout: '1h',
        typedSearchAttributes: opts.searchAttributes ? startAttributes(executionId, input.pool, current.dispatch?.actionRef ?? null) : undefined,
      });
      this.handles.set(executionId, handle);
      return { executionId, handle };
    }
    // The execution timeout is only a safety net should a file die before its afterAll; it is longer than every
    // production wait (the server caps activity timeouts at it), so the default-timings assertions hold.
    const common = { workflowId, taskQueue: this.taskQueue, args: [input] as [ExecutionWorkflowInput], workflowExecutionTimeout: '1h' } as const;
    const handle =
      opts.dispatch === false
        ? await this.client.workflow.start<typeof executionWorkflow>(WORKFLOW_TYPES.execution, common)
        : await this.client.workflow.signalWithStart<typeof executionWorkflow, [DispatchSignal]>(WORKFLOW_TYPES.execution, {
            ...common,
            signal: SIGNALS.dispatch,
            signalArgs: [dispatchFor(executionId)],
          });
    this.handles.set(executionId, handle);
    return { executionId, handle };
  }

  private registered: SearchAttributes | null = null;
  private searchAttributes(): SearchAttributes {
    this.registered ??= new SearchAttributes({ client: this.client, namespace: SERVICES.namespace, log: scopedLogger('harness') });
    return this.registered;
  }

  handle(executionId: number): WorkflowHandle<typeof executionWorkflow> {
    const handle = this.handles.get(executionId);
    if (!handle) throw new Error(`no workflow started for execution ${executionId}`);
    return handle;
  }

  async state(executionId: number): Promise<ExecutionState> {
    return this.handle(executionId).query<ExecutionState>(QUERIES.state);
  }

  /** Polls the state query until `ok` holds (10 s at most). */
  async until(executionId: number, ok: (s: ExecutionState) => boolean, timeoutMs = 10_000): Promise<ExecutionState> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.state(executionId);
      if (ok(s)) return s;
      if (Date.now() > deadline) throw new Error(`execution ${executionId}: state never matched: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Attune's cancel (signal) or a workflow cancellation (UI/CLI), then waits until the workflow has it. */
  async cancel(executionId: number, by: 'signal' | 'workflow' = 'signal'): Promise<void> {
    const handle = this.handle(executionId);
    if (by === 'signal') {
      const cancel: CancelSignal = { v: 1, messageId: `cancel-${executionId}`, sourceService: 'api-service' };
      await handle.signal(SIGNALS.cancel, cancel);
    } else {
      await handle.cancel();
    }
    await this.until(executionId, (s) => s.cancelRequested);
  }

  callsOf(executionId: number, name?: StubName): StubCall[] {
    return (this.calls.get(executionId) ?? []).filter((c) => !name || c.name === name);
  }

  /** The stubs that ran, in order, each once (retries folded). */
  steps(executionId: number): StubName[] {
    const out: StubName[] = [];
    for (const c of this.callsOf(executionId)) if (out[out.length - 1] !== c.name || c.attempt === 1) out.push(c.name);
    return out;
  }

  completeInput(executionId: number): CompleteInput {
    const calls = this.callsOf(executionId, 'completeExecution');
    if (calls.length !== 1) throw new Error(`execution ${executionId}: completeExecution ran ${calls.length} times`);
    return calls[0]!.input as unknown as CompleteInput;
  }

  warnings(executionId: number): string[] {
    return (this.logs.get(executionId) ?? []).filter((l) => l.level === 'WARN').map((l) => l.message);
  }

  async result(executionId: number): Promise<ExecutionWorkflowResult> {
    return this.handle(executionId).result();
  }

  /** Patch markers the workflow recorded, in order. */
  async patchMarkers(executionId: number): Promise<string[]> {
    const history = await this.handle(executionId).fetchHistory();
    const out: string[] = [];
    for (const e of history.events ?? []) {
      const m = e.markerRecordedEventAttributes;
      if (m?.markerName !== 'core_patch') continue;
      const data = m.details?.['patch-data']?.payloads?.[0]?.data;
      out.push(data ? (JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id : '?');
    }
    return out;
  }

  /** Every workflow this file started is closed (terminated if still open), then workers and connections stop. */
  async teardown(): Promise<void> {
    const open: number[] = [];
    for (const [executionId, handle] of this.handles) {
      try {
        const d = await handle.describe();
        if (d.status.name === 'RUNNING') {
          open.push(executionId);
          await handle.terminate('test file finished');
        }
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    }
    for (const w of this.workers) w.shutdown();
    await Promise.allSettled(this.running);
    await this.connection?.close();
    await this.native?.close();
    if (open.length > 0) process.stderr.write(`terminated ${open.length} workflow(s) left open: ${open.join(', ')}\n`);
  }
}

/** An activity body that heartbeats every `everyMs` until `done` settles (or the activity is cancelled), then returns its value. */
export async function heartbeatUntil<T>(done: Promise<T>, everyMs = 200): Promise<T> {
  let settled = false;
  const watched = done.finally(() => {
    settled = true;
  });
  watched.catch(() => undefined);
  while (!settled) {
    heartbeat();
    await sleep(everyMs);
  }
  return watched;
}
