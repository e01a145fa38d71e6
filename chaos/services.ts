/**
 * The soak's own PostgreSQL, RabbitMQ and Temporal dev server: the binaries scripts/services.sh installed, started
 * here on other loopback ports with state under the run's directory, so that killing them touches nothing shared.
 * Every process is started in its own process group and stopped by its pid (stopAll), on failure and SIGINT too.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { log } from './log';

const PG_BIN = '/usr/lib/postgresql/15/bin';
const RMQ_BIN = '/usr/lib/rabbitmq/bin';
const TEMPORAL_BIN = path.join(process.env.ATTUNE_TEMPORAL_CACHE ?? '/var/cache/attune-temporal', 'bin', 'temporal');

export const CHAOS_PORTS = { pg: 56432, amqp: 56672, amqpDist: 56673, temporal: 57233 };

export const chaosUrls = {
  database: `postgres://postgres@127.0.0.1:${CHAOS_PORTS.pg}/attune`,
  amqp: `amqp://guest:guest@127.0.0.1:${CHAOS_PORTS.amqp}`,
  temporal: `127.0.0.1:${CHAOS_PORTS.temporal}`,
};

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

async function waitFor(what: string, probe: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One long-running server process of ours. */
class ServerProcess {
  child: ChildProcess | null = null;

  constructor(
    readonly name: string,
    private readonly logFile: string,
  ) {}

  start(cmd: string, args: string[], env: Record<string, string | undefined>): void {
    const out = createWriteStream(this.logFile, { flags: 'a' });
    this.child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child.stdout!.pipe(out);
    this.child.stderr!.pipe(out);
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Signals the whole process group (a launcher script and the server it started). */
  async signal(sig: NodeJS.Signals, waitMs = 60_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      process.kill(-child.pid!, sig);
    } catch {
      /* already gone */
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, waitMs);
    await exited;
    clearTimeout(timer);
  }
}

/** The three services of one soak run. */
export class ChaosServices {
  private readonly pgData: string;
  private readonly rmqDir: string;
  private readonly temporalDb: string;
  private readonly logs: string;
  private readonly rabbit: ServerProcess;
  private readonly temporal: ServerProcess;
  private pgRunning = false;

  constructor(readonly stateDir: string) {
    this.pgData = path.join(stateDir, 'pg');
    this.rmqDir = path.join(stateDir, 'rabbitmq');
    this.temporalDb = path.join(stateDir, 'temporal.db');
    this.logs = path.join(stateDir, 'logs');
    chmodSync(stateDir, 0o755); // the postgres user traverses it
    mkdirSync(this.logs, { recursive: true });
    this.rabbit = new ServerProcess('rabbitmq', path.join(this.logs, 'rabbitmq.log'));
    this.temporal = new ServerProcess('temporal', path.join(this.logs, 'temporal.log'));
  }

  async up(): Promise<void> {
    for (const [name, port] of Object.entries(CHAOS_PORTS)) {
      if (await portOpen(port)) throw new Error(`port ${port} (${name}) is taken: another soak running?`);
    }
    if (!existsSync(TEMPORAL_BIN)) throw new Error(`${TEMPORAL_BIN} missing: run bash scripts/services.sh up first`);
    this.initPg();
    await Promise.all([this.startPg(), this.startRabbit(), this.startTemporal()]);
    execFileSync(`${PG_BIN}/createdb`, ['-h', '127.0.0.1', '-p', String(CHAOS_PORTS.pg), '-U', 'postgres', 'attune']);
  }

  // ---- PostgreSQL: a cluster owned by the postgres user (it refuses root), stopped with pg_ctl.
  private asPg(args: string[]): void {
    execFileSync('runuser', ['-u', 'postgres', '--', ...args], { cwd: '/', stdio: ['ignore', 'ignore', 'pipe'] });
  }

  private initPg(): void {
    mkdirSync(this.pgData, { recursive: true, mode: 0o700 });
    const pgLog = path.join(this.logs, 'pg.log');
    writeFileSync(pgLog, '');
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(this.pgData, uid, gid);
    chownSync(pgLog, uid, gid);
    this.asPg([`${PG_BIN}/initdb`, '-D', this.pgData, '--username=postgres', '--auth=trust', '--encoding=UTF8', '--no-locale']);
  }

  async startPg(): Promise<void> {
    const opts = `-p ${CHAOS_PORTS.pg} -h 127.0.0.1 -k ${this.pgData} -c max_connections=200 -c fsync=on`;
    this.asPg([`${PG_BIN}/pg_ctl`, 'start', '-D', this.pgData, '-l', path.join(this.logs, 'pg.log'), '-w', '-t', '60', '-o', opts]);
    this.pgRunning = true;
  }

  async stopPg(): Promise<void> {
    if (!this.pgRunning) return;
    this.asPg([`${PG_BIN}/pg_ctl`, 'stop', '-D', this.pgData, '-m', 'fast', '-w', '-t', '60']);
    this.pgRunning = false;
  }

  // ---- RabbitMQ: its own node name, ports, mnesia and Erlang cookie (the machine's epmd is shared, as nodes do).
  private rabbitEnv(): Record<string, string | undefined> {
    const home = path.join(this.rmqDir, 'home');
    return {
      PATH: process.env.PATH,
      HOME: home,
      RABBITMQ_NODENAME: 'attune-chaos@localhost',
      RABBITMQ_USE_LONGNAME: 'false',
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_NODE_PORT: String(CHAOS_PORTS.amqp),
      RABBITMQ_DIST_PORT: String(CHAOS_PORTS.amqpDist),
      RABBITMQ_MNESIA_BASE: path.join(this.rmqDir, 'mnesia'),
      RABBITMQ_LOG_BASE: path.join(this.logs, 'rabbitmq'),
      RABBITMQ_PID_FILE: path.join(this.rmqDir, 'rabbitmq.pid'),
      RABBITMQ_ENABLED_PLUGINS_FILE: path.join(this.rmqDir, 'enabled_plugins'),
      RABBITMQ_CONFIG_FILE: path.join(this.rmqDir, 'rabbitmq.conf'),
      RABBITMQ_ADVANCED_CONFIG_FILE: path.join(this.rmqDir, 'advanced.config'),
      RABBITMQ_CONF_ENV_FILE: path.join(this.rmqDir, 'rabbitmq-env.conf'),
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
      ERL_EPMD_ADDRESS: '127.0.0.1',
    };
  }

  async startRabbit(): Promise<void> {
    const home = path.join(this.rmqDir, 'home');
    if (!existsSync(home)) {
      mkdirSync(path.join(this.rmqDir, 'mnesia'), { recursive: true });
      mkdirSync(home, { recursive: true, mode: 0o700 });
      writeFileSync(path.join(this.rmqDir, 'enabled_plugins'), '[].\n');
      writeFileSync(path.join(this.rmqDir, 'rabbitmq-env.conf'), '');
      writeFileSync(path.join(this.rmqDir, 'rabbitmq.conf'), `listeners.tcp.default = 127.0.0.1:${CHAOS_PORTS.amqp}\nloopback_users.guest = true\nlog.console = false\n`);
      writeFileSync(path.join(home, '.erlang.cookie'), Math.random().toString(36).slice(2).toUpperCase().padEnd(20, 'X'), { mode: 0o400 });
    }
    this.rabbit.start(`${RMQ_BIN}/rabbitmq-server`, [], this.rabbitEnv());
    await waitFor('rabbitmq', () => portOpen(CHAOS_PORTS.amqp), 120_000);
    execFileSync(`${RMQ_BIN}/rabbitmqctl`, ['-n', 'attune-chaos@localhost', '-q', 'await_startup', '--timeout', '60'], { env: this.rabbitEnv(), stdio: 'ignore' });
  }

  /** A clean broker restart (SIGTERM, the node stops and persists its durable queues and persistent messages). */
  async stopRabbit(): Promise<void> {
    await this.rabbit.signal('SIGTERM');
  }

  // ---- Temporal dev server on a persisted SQLite file (the shared one's settings: scripts/services/temporal.sh).
  async startTemporal(): Promise<void> {
    this.temporal.start(TEMPORAL_BIN, [
      'server', 'start-dev', '--ip', '127.0.0.1', '--port', String(CHAOS_PORTS.temporal), '--headless',
      '--db-filename', this.temporalDb, '--log-level', 'warn',
      '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true',
      '--dynamic-config-value', 'history.transferProcessorMaxPollRPS=100000',
      '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal',
    ], { PATH: process.env.PATH, HOME: this.stateDir });
    await waitFor('temporal', async () => {
      if (!this.temporal.running) throw new Error(`temporal exited at start (see ${this.logs}/temporal.log)`);
      if (!(await portOpen(CHAOS_PORTS.temporal))) return false;
      try {
        execFileSync(TEMPORAL_BIN, ['operator', 'namespace', 'describe', '--namespace', 'default', '--address', chaosUrls.temporal], { stdio: 'ignore', timeout: 10_000 });
        return true;
      } catch {
        return false;
      }
    }, 120_000);
  }

  async killTemporal(): Promise<void> {
    await this.temporal.signal('SIGKILL');
  }

  /** Everything down, whatever state it is in: SIGTERM (PostgreSQL: pg_ctl fast), then SIGKILL. */
  async stopAll(): Promise<void> {
    await this.temporal.signal('SIGTERM', 15_000).catch(() => undefined);
    await this.rabbit.signal('SIGTERM', 30_000).catch(() => undefined);
    await this.stopPg().catch(async (err) => {
      log(`pg_ctl stop: ${String(err)}; immediate`);
      try {
        this.asPg([`${PG_BIN}/pg_ctl`, 'stop', '-D', this.pgData, '-m', 'immediate', '-w', '-t', '30']);
      } catch {
        /* not running */
      }
    });
    await sleep(100);
  }
}
