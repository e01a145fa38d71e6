import { mkdirSync } from 'node:fs';
import path from 'node:path';
import execa from 'execa';
import { ROUTING } from '../src/attune/topology';
import type { TestDeployment } from '../test/helpers/deployment';
import { installBenchPack, SCRIPTS } from './bench-pack';
import { CompletionClock } from './completion-clock';
import { AGENT_SLOTS } from './config';
import { log } from './log';
import { waitStarted } from './markers';
import { nowMs, until } from './stats';
import { WatchedProcess } from './watched-process';

const FLOOR_WORKER = path.join(__dirname, 'floor-worker.js');

/** One execution timed from our side: `t0` right before it was sent, `done` when its completion was seen. */
export interface TimedRun<Id extends number | string> {
  id: Id;
  t0: number;
  done: number;
}

/**
 * What every scenario runs on: the e2e harness's deployment (bridge and agent from dist/), the bench pack in it,
 * our clock on the bus, and the engine floor's worker; and the processes the scenarios start, stopped at close().
 */
export class BenchHarness {
  readonly clock = new CompletionClock();
  /** Where the floors' actions write their markers (the adapter's go to d.markerDir). */
  readonly floorMarkers: string;
  /** The engine floor worker's task queue. */
  readonly floorQueue: string;
  private readonly processes: WatchedProcess[] = [];
  private seq = 0;
  /** The eager engine floor: a worker that starts its own workflows eagerly (like for like with the bridge). */
  private eagerFloor!: WatchedProcess;
  private floor!: WatchedProcess;

  constructor(readonly d: TestDeployment) {
    this.floorMarkers = path.join(d.dir, 'floor-markers');
    this.floorQueue = `bench-floor-${d.id}`;
  }

  async start(): Promise<void> {
    await installBenchPack(this.d);
    await this.clock.start(process.env.ATTUNE__MESSAGE_QUEUE__URL ?? 'amqp://guest:guest@127.0.0.1:55672');
    mkdirSync(this.floorMarkers, { recursive: true });
    // The engine floor's worker: a separate process, like the agent.
    this.floor = this.spawnFloorWorker(this.floorQueue, 'floor-worker.log');
    await this.floor.line(/^polling/);
    this.eagerFloor = this.spawn(process.execPath, [FLOOR_WORKER, `${this.floorQueue}-eager`, String(AGENT_SLOTS), '--eager'], this.floorEnv({ FLOOR_SCRIPT: SCRIPTS.trivial }), 'floor-eager-worker.log', { stdin: true });
    await this.eagerFloor.line(/^polling/);
  }

  /** The engine floor's worker processes (started by the bench, eager): their CPU is the floors' share. */
  get floorWorkerPids(): { engine: number; eager: number } {
    return { engine: this.floor.child.pid!, eager: this.eagerFloor.child.pid! };
  }

  /** The environment of the floors' processes: the machine's, markers into floorMarkers. */
  floorEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
    return { ...process.env, MARKER_DIR: this.floorMarkers, ...extra };
  }

  /** Starts a watched process (its output to `logName` in the deployment's dir); close() stops it. */
  spawn(cmd: string, args: string[], env: Record<string, string | undefined>, logName: string, opts: { stdin?: boolean } = {}): WatchedProcess {
    const w = new WatchedProcess(cmd, args, env, path.join(this.d.dir, logName), opts);
    this.processes.push(w);
    return w;
  }

  /** bench/floor-worker.js, with as many activity slots as the agent; `activitiesOnly` for the cold-start floor. */
  spawnFloorWorker(taskQueue: string, logName: string, activitiesOnly = false): WatchedProcess {
    return this.spawn(process.execPath, [FLOOR_WORKER, taskQueue, String(AGENT_SLOTS), ...(activitiesOnly ? ['--activities-only'] : [])], this.floorEnv(), logName);
  }

  async publishDispatch(id: number, ref: string): Promise<void> {
    await this.d.publish(ROUTING.dispatch(this.d.workerId), this.d.dispatchEnvelope(id, ref));
  }

  /** One execution through the adapter: dispatch published → our clock sees its ExecutionCompleted. */
  async adapterOnce(ref = 'bench.trivial', config: Record<string, unknown> = {}, timeoutMs?: number): Promise<TimedRun<number>> {
    const { d } = this;
    const id = await d.createExecution(ref, config);
    const env = d.dispatchEnvelope(id, ref, config);
    const t0 = nowMs();
    await d.publish(ROUTING.dispatch(d.workerId), env);
    const done = await this.clock.wait(id, timeoutMs);
    return { id, t0, done };
  }

  /** One trivial.sh through the engine floor: a one-activity workflow started → its result. */
  async engineOnce(): Promise<TimedRun<string>> {
    const id = `floor-${this.d.id}-${this.seq++}`;
    const t0 = nowMs();
    const h = await this.d.temporal.workflow.start('floorWorkflow', { taskQueue: this.floorQueue, workflowId: id, args: [{ script: SCRIPTS.trivial, id, stdin: '{}' }] });
    await h.result();
    return { id, t0, done: nowMs() };
  }

  /** One trivial.sh through the eager engine floor: its worker process starts the workflow eagerly → its result. */
  async engineEagerOnce(): Promise<TimedRun<string>> {
    const id = `floor-eager-${this.d.id}-${this.seq++}`;
    const t0 = nowMs();
    const done = this.eagerFloor.line(new RegExp(`^done ${id}$`));
    this.eagerFloor.send(id);
    return { id, t0, done: await done };
  }

  /** One trivial.sh through the process floor: bare execa. */
  async processOnce(): Promise<TimedRun<string>> {
    const id = `proc-${this.d.id}-${this.seq++}`;
    const t0 = nowMs();
    await execa('/bin/bash', [SCRIPTS.trivial], { input: '{}', env: this.floorEnv({ ATTUNE_EXEC_ID: id }) });
    return { id, t0, done: nowMs() };
  }

  /** Dispatches bench.trap_term through the adapter; its id once the action runs and its row is `running`. */
  async startTrapTerm(): Promise<number> {
    const { d } = this;
    const id = await d.createExecution('bench.trap_term');
    await this.publishDispatch(id, 'bench.trap_term');
    await waitStarted(d.markerDir, id);
    await until(async () => ((await d.row(id)).status === 'running' ? true : undefined), 60_000, `${id} running`);
    return id;
  }

  /** Stops what the bench started, then tears the deployment down. */
  async close(): Promise<void> {
    for (const w of this.processes) await w.stop().catch(() => undefined);
    await this.cleanupExtraWorkerQueues().catch(() => undefined);
    await this.clock.close();
    await this.d.teardown().catch((err) => log(`teardown: ${String(err)}`));
  }

  /** Cold-start pools register their own worker rows (and queues); remove those queues at the end. */
  private async cleanupExtraWorkerQueues(): Promise<void> {
    const { rows } = await this.d.db.query<{ id: string }>(`SELECT id FROM worker WHERE name LIKE $1`, [`${this.d.pool}-cold%`]);
    for (const { id } of rows) {
      for (const k of ['executions', 'cancel', 'packs', 'packtests']) await this.clock.channel?.deleteQueue(`worker.${id}.${k}`).catch(() => undefined);
    }
  }
}
