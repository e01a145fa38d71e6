import { sdkTelemetry } from '../../src/temporal/sdk-telemetry';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { Runtime, Worker } from '@temporalio/worker';
import type { AgentConfig } from '../../src/config';
import type { AgentCapabilities, AgentSessionInput, DetectedRuntime } from '../../src/temporal/contracts';
import { agentControlTaskQueue, agentTaskQueue, deploymentNames } from '../../src/temporal/names';
import { EncryptionCodec, loadCodecKeys } from '../../src/temporal/payload-codec';
import { loadAgentPoolKeys } from '../../src/temporal/pool-keys';
import { connectNative, createClient } from '../../src/temporal/connection';
import { openWithBackoff, type Lifecycle } from '../../src/lifecycle';
import { createDataConverter } from '../../src/temporal/data-converter';
import { createAgentActivities } from '..';
import { KillRegistry } from '../kill-registry';
import { RunRegistry } from '../run-registry';
import { keepAnnounced } from './session';
import { KILL_GRACE_MS } from '../process-group';
import { imageEnvironment } from '../child-env';
import { detectRuntimes } from './detect';
import { drainAgent, FINAL_STEP_GRACE_MS } from './drain';
import { agentWritableDirs, waitForWritableDirs } from './preflight';
import { loadRuntimeHints } from './runtime-hints';
import type { Logger } from '../../src/log';
import { AGENT_VERSION } from '../../src/version';
import { agentTracing } from './tracing';
import { actionIdentityForThisAgent } from './action-identity';
import { sameUidWarning, secretsInEnvironmentWarning } from './exposure-warnings';
import { secretsInEnvironmentBlock } from './launcher-secrets';
import { codeCacheState } from '../../src/bundle/code-cache';

export function capabilitiesOf(detected: DetectedRuntime[], config: AgentConfig): AgentCapabilities {
  const runtimeVersions: Record<string, string[]> = {};
  for (const d of detected) if (d.version) runtimeVersions[d.name] = [d.version];
  return {
    runtimes: detected.map((d) => d.name),
    runtime_versions: runtimeVersions,
    detected_interpreters: detected,
    labels: config.labels,
    max_concurrent_executions: config.maxConcurrentTasks,
  };
}

/**
 * One agent process: an activities-only Temporal worker (no workflow bundling) with three queues —
 * the pool's shared claim queue, its own run queue, and its own control queue — plus a session
 * workflow on the bridge that announces it and tracks its presence.
 */
export async function runAgent(config: AgentConfig, log: Logger, lifecycle: Lifecycle): Promise<void> {
  // Signals are the lifecycle's: a first one drains (below), a second one exits.
  Runtime.install({ shutdownSignals: [], ...sdkTelemetry(config.sdkMetricsAddress) });
  lifecycle.handleSignals();
  // First, so that it is closed last (its spans flushed after the workers' last ones).
  const interceptors = config.tracing ? await agentTracing(config.tracing, lifecycle) : undefined;
  const graceMs = config.shutdownGraceMs;
  if (!(await waitForWritableDirs(agentWritableDirs(config), log, { retryMs: 30_000, stopped: () => lifecycle.stopping }))) return;
  const exposed = secretsInEnvironmentBlock();
  if (exposed.length > 0) log.warn(secretsInEnvironmentWarning(exposed));
  const { identity: actionIdentity, sameUidBecause } = actionIdentityForThisAgent(config.actionUser);
  if (sameUidBecause !== null) log.warn(sameUidWarning(process.getuid!(), sameUidBecause));
  else log.info({ uid: actionIdentity!.uid, gid: actionIdentity!.gid }, 'actions run under their own uid');
  const hints = loadRuntimeHints();
  if (hints) log.info({ file: hints.file, runtimes: hints.runtimes.map((r) => r.name), env: Object.keys(hints.env) }, 'runtime hints file');
  // The hints file's env is the image's declared setup for actions: it goes on top of the image's env.
  const baseEnv = { ...imageEnvironment(process.env), ...(hints?.env ?? {}) };
  const agentId = `${config.pool}.${os.hostname()}.${randomUUID().slice(0, 8)}`;
  const codec = new EncryptionCodec(loadCodecKeys());
  const poolKeys = loadAgentPoolKeys();
  const dataConverter = createDataConverter(codec);
  const names = deploymentNames(config.temporal.bridgeTaskQueue);
  // Probing the image's interpreters (a JVM's -version alone takes a few hundred ms) overlaps the connect.
  const [detected, native] = await Promise.all([
    detectRuntimes(baseEnv, config.runtimeOverride, hints),
    openWithBackoff(lifecycle, 'Temporal', () => connectNative(config.temporal)),
  ]);
  const connection = lifecycle.add('temporal connection', native, (c) => c.close());
  if (detected.length === 0) log.warn('no runtimes detected: this agent can run no actions');
  const client = await createClient(config.temporal, dataConverter, connection);
  const kills = new KillRegistry();
  let shuttingDown = false;
  const activities = createAgentActivities({
    agentId,
    packsBaseDir: config.packsBaseDir,
    runtimeEnvsDir: config.runtimeEnvsDir,
    artifactsDir: config.artifactsDir,
    baseEnv,
    detected,
    kills,
    runs: new RunRegistry(),
    codec,
    pool: config.pool,
    poolKeys,
    killGraceMs: KILL_GRACE_MS,
    isShuttingDown: () => shuttingDown,
    actionIdentity,
    maxConcurrent: config.maxConcurrentTasks,
  });
  // The grace period is enforced by drainAgent; Temporal's own only covers the steps after a run.
  const common = { connection, dataConverter, namespace: config.temporal.namespace, identity: `${agentId}@${os.hostname()}`, shutdownGraceTime: FINAL_STEP_GRACE_MS, interceptors };
  // Heartbeats go out at most every 3 s (not 0.8 × the timeout): one lost in a blip is followed by another well
  // before the 20 s run heartbeat timeout, so blips of up to ~15 s pass unnoticed (README: "Presence and blips").
  const heartbeats = { maxHeartbeatThrottleInterval: '3s' } as const;
  const workers = await Promise.all([
    Worker.create({ ...common, taskQueue: names.poolTaskQueue(config.pool), activities: activities.pool, maxConcurrentActivityTaskExecutions: 1 }),
    Worker.create({ ...common, ...heartbeats, taskQueue: agentTaskQueue(agentId), activities: activities.agent, maxConcurrentActivityTaskExecutions: config.maxConcurrentTasks }),
    Worker.create({ ...common, ...heartbeats, taskQueue: agentControlTaskQueue(agentId), activities: activities.control, maxConcurrentActivityTaskExecutions: 16 }),
  ]);
  const running = Promise.all(workers.map((w) => w.run()));
  const session = sessionInput(config, agentId, capabilitiesOf(detected, config));
  let announced;
  try {
    announced = await keepAnnounced({ client, session, taskQueue: config.temporal.bridgeTaskQueue, sessionId: (g) => names.agentSessionWorkflowId(agentId, g), lifecycle, log });
  } catch (err) {
    // Without a session the bridge never registers this agent: stop polling rather than idle unseen.
    for (const w of workers) w.shutdown();
    await running.catch(() => undefined);
    throw err;
  }
  log.info({ agentId, pool: config.pool, runtimes: detected.map((d) => `${d.name}@${d.version ?? '?'}`), poolKeyIds: poolKeys.map((k) => k.id), codeCache: codeCacheState() }, 'agent polling');

  // A stop (also one that arrived while starting up) drains: no new claims, running actions get the grace.
  void lifecycle.stopRequested.then((reason) => {
    shuttingDown = true;
    log.info({ reason, graceMs }, 'agent shutting down');
    const [pool, ...own] = workers;
    return drainAgent({ pool, own }, () => kills.activeCount, graceMs, log);
  });
  try {
    await running;
  } finally {
    kills.abortAll();
    // Close our own session now rather than after the presence timeouts (it may not even have started).
    await announced.close();
  }
}

function sessionInput(config: AgentConfig, agentId: string, capabilities: AgentCapabilities): AgentSessionInput {
  return { v: 1, agentId, pool: config.pool, hostname: os.hostname(), startedAt: new Date().toISOString(), agentVersion: AGENT_VERSION, capabilities };
}
