import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { ROUTING } from '../../src/attune/topology';
import { TEST_ATTUNE_ENCRYPTION_KEY, TEST_JWT_SECRET, eventually, type TestDeployment } from './deployment';
import { temporalCli } from './history-payloads';
import { SERVICES, TEST_CODEC_KEYS, testDataConverter } from './services';

/** The deployment's own secrets: none may show up in a log, a row or a history, whatever an input does. */
export const DEPLOYMENT_SECRETS = [TEST_ATTUNE_ENCRYPTION_KEY, TEST_JWT_SECRET, ...TEST_CODEC_KEYS.split(',').map((k) => k.split(':')[1]!)];

/**
 * After a hostile input: the bridge and the agents still run, the pool's executions queue is still consumed, and
 * a plain execution dispatched now completes as usual.
 */
export async function expectStillServing(d: TestDeployment): Promise<void> {
  expect(d.bridge!.child.exitCode).toBeNull();
  for (const agent of d.agents) expect(agent.child.exitCode).toBeNull();
  for (const queue of ['executions', 'cancel']) expect(await d.consumerCount(`worker.${d.workerId}.${queue}`)).toBeGreaterThan(0);
  const probe = await d.dispatch('tests.ok_json', { probe: true });
  const row = await d.waitForCompletion(probe, 30_000);
  expect(row.status).toBe('completed');
  expect(row.result!.data).toMatchObject({ ok: true, params: { probe: true } });
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

/** Neither the deployment's secrets nor `extra` appear in the processes' logs, the execution rows or the workflows' histories. */
export function expectNoSecretLeaked(d: TestDeployment, executionIds: number[], rows: unknown[], extra: string[] = []): void {
  const needles = [...DEPLOYMENT_SECRETS, ...extra, ...extra.map((s) => Buffer.from(s).toString('base64'))];
  const logs = readdirSync(d.dir).filter((f) => f.endsWith('.log')).map((f) => readFileSync(path.join(d.dir, f), 'utf8'));
  const histories = executionIds.map((id) =>
    execFileSync(temporalCli(), ['workflow', 'show', '--workflow-id', d.workflowId(id), '--address', SERVICES.temporalAddress, '--namespace', SERVICES.namespace, '--output', 'json']).toString(),
  );
  const bus = JSON.stringify(executionIds.flatMap((id) => d.messagesFor(id)));
  for (const [where, text] of [...logs.map((l) => ['log', l]), ...histories.map((h) => ['history', h]), ['rows', JSON.stringify(rows)], ['bus', bus]] as const) {
    for (const needle of needles) {
      if (text.includes(needle)) throw new Error(`a secret (${needle.slice(0, 4)}…) is in a ${where}`);
    }
  }
}

/** The result of an execution's workflow once it has closed (started by a dispatch just published), decoded with the deployment's key. */
export async function workflowResult(d: TestDeployment, executionId: number): Promise<unknown> {
  const client = new Client({ connection: d.temporal.connection, namespace: SERVICES.namespace, dataConverter: testDataConverter() });
  const handle = client.workflow.getHandle(d.workflowId(executionId));
  await eventually(() => handle.describe().then((w) => (w.status.name === 'RUNNING' ? undefined : true), () => undefined), 30_000, `workflow of execution ${executionId} to close`);
  return handle.result();
}

/** The routing key of this deployment's dispatches and cancels. */
export const dispatchKey = (d: TestDeployment) => ROUTING.dispatch(d.workerId);
export const cancelKey = (d: TestDeployment) => ROUTING.cancel(d.workerId);
