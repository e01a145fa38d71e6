import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createDbPool } from '../attune/db/pool';
import { DEFAULT_BRIDGE_QUEUE } from '../temporal/names';
import { DEMO_ACTIONS, ensureAction } from '../demo/sample-pack';
import { scopedLogger } from '../log';

const root = path.resolve(__dirname, '..', '..', '..');
const cli = path.join(root, 'dist', 'src', 'cli', 'main.js');

/** Environment the services script exports (ports, URLs, state dir). */
function servicesEnv(): Record<string, string> {
  const printed = spawnSync('bash', ['-c', `source "${path.join(root, 'scripts', 'env.sh')}" && env -0`], { encoding: 'utf8' });
  if (printed.status !== 0) throw new Error(`scripts/env.sh failed: ${printed.stderr}`);
  return Object.fromEntries(printed.stdout.split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

/**
 * `attune-temporal dev`: services up, Attune's schema and the sample pack in the local database, one
 * bridge and one agent (pool "demo"), then a sample execution submitted and followed to its result.
 */
export async function dev(opts: { keep?: boolean }): Promise<void> {
  const log = scopedLogger('dev');
  const up = spawnSync('bash', [path.join(root, 'scripts', 'services.sh'), 'up'], { stdio: 'inherit' });
  if (up.status !== 0) throw new Error('services did not start (see above)');
  const env = { ...process.env, ...servicesEnv() };
  const state = env.ATTUNE_TEMPORAL_STATE!;
  const demoEnv: Record<string, string> = {
    ...(env as Record<string, string>),
    ATTUNE__PACKS_BASE_DIR: path.join(root, 'examples', 'packs'),
    ATTUNE__ARTIFACTS_DIR: path.join(state, 'artifacts'),
    ATTUNE__RUNTIME_ENVS_DIR: path.join(state, 'runtime_envs'),
    ATTUNE_WORKER_NAME: 'demo',
  };
  mkdirSync(demoEnv.ATTUNE__ARTIFACTS_DIR!, { recursive: true });
  demoEnv.ATTUNE_TEMPORAL_CODEC_KEYS_FILE = ensureDemoCodecKey(state);
  // Payloads are encrypted; the dev server's UI decodes them through this bridge with the stack's token.
  demoEnv.ATTUNE_TEMPORAL_CODEC_TOKENS = devCodecToken(state);
  // The dev server's UI is given `/codec/<token>` (it cannot send our header): the local-dev path form, on 127.0.0.1 only.
  demoEnv.ATTUNE_TEMPORAL_CODEC_PATH_TOKENS = 'true';
  demoEnv.ATTUNE_TEMPORAL_HTTP_HOST = '127.0.0.1';

  const db = createDbPool(demoEnv.ATTUNE__DATABASE__URL!, 'attune', log, 2);
  try {
    const exists = await db.query(`SELECT 1 FROM information_schema.schemata WHERE schema_name = 'attune'`);
    if (exists.rowCount === 0) {
      // A local stand-in for Attune's migrations; never loaded over an existing schema.
      await db.query(readFileSync(path.join(root, 'test', 'fixtures', 'attune-schema.sql'), 'utf8'));
    }
    for (const action of DEMO_ACTIONS) await ensureAction(db, action);
  } finally {
    await db.end();
  }

  const children: ChildProcess[] = [];
  const start = (name: string, args: string[]) => {
    const child = spawn(process.execPath, [cli, ...args], { env: demoEnv, stdio: ['ignore', 'inherit', 'pipe'] });
    child.stderr?.on('data', (b: Buffer) => { if (process.env.ATTUNE_TEMPORAL_DEV_VERBOSE) process.stderr.write(b); });
    child.on('exit', (code) => log.info({ name, code }, 'process exited'));
    children.push(child);
  };
  start('bridge', ['bridge']);
  start('agent', ['agent']);
  try {
    await waitForWorker(demoEnv);
    const submit = spawnSync(process.execPath, [cli, 'submit', 'demo.hello', '--param', 'name=attune', '--worker', 'demo', '--follow'], { env: demoEnv, stdio: 'inherit' });
    if (submit.status !== 0) throw new Error('the sample execution did not complete');
    const port = demoEnv.ATTUNE_TEMPORAL_HTTP_PORT ?? '8099';
    process.stdout.write(`Payloads decode in the UI through http://127.0.0.1:${port}/codec/<token> (the dev server's codec endpoint; token in ${path.join(state, 'codec-token')})\n`);
    if (opts.keep) {
      process.stdout.write('bridge and agent keep running; press Ctrl-C to stop\n');
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
  } finally {
    // The agent first: its session's last step (the pool re-sync) and the execution's last workflow task run on
    // the bridge, so the bridge stops only once this stack's workflows have closed — nothing is left Running.
    const [bridge, agent] = children;
    await stopChild(agent!);
    await waitForWorkflowsClosed(demoEnv).catch((err: unknown) => log.warn({ err }, 'could not check that the demo workflows closed'));
    await stopChild(bridge!);
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  return exited;
}

/** Waits (30 s at most) until no workflow on the demo bridge's queue is Running. */
async function waitForWorkflowsClosed(env: Record<string, string>): Promise<void> {
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
  try {
    const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE ?? 'default' });
    const query = `TaskQueue = '${env.ATTUNE_TEMPORAL_BRIDGE_QUEUE ?? DEFAULT_BRIDGE_QUEUE}' AND ExecutionStatus = 'Running'`;
    for (let i = 0; i < 60; i++) {
      if ((await client.workflow.count(query)).count === 0) return;
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await connection.close();
  }
}

/** A local payload-encryption key for the demo, created once (mode 0400) in the state directory. */
function ensureDemoCodecKey(state: string): string {
  const file = path.join(state, 'codec-keys');
  if (!existsSync(file)) writeFileSync(file, `demo-1:${randomBytes(32).toString('base64')}\n`, { mode: 0o400 });
  return file;
}

/**
 * The dev stack's codec token: scripts/services.sh creates it with the Temporal dev server, whose UI is started with
 * this bridge's codec endpoint. A server started elsewhere gets a fresh one (give it to the UI in its settings).
 */
function devCodecToken(state: string): string {
  const file = path.join(state, 'codec-token');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : randomBytes(16).toString('hex');
}

async function waitForWorker(env: Record<string, string>): Promise<void> {
  const db = createDbPool(env.ATTUNE__DATABASE__URL!, 'attune', scopedLogger('dev'), 1);
  try {
    for (let i = 0; i < 120; i++) {
      const { rowCount } = await db.query(`SELECT 1 FROM worker WHERE name = 'demo' AND status = 'active' AND last_heartbeat > NOW() - INTERVAL '90 seconds'`);
      if (rowCount) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error('the demo agent did not register within 60 s');
  } finally {
    await db.end();
  }
}

