import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { formatParameters } from '../../src/attune/parameter-passing';
import { TestDeployment } from '../helpers/deployment';

const MiB = 1024 * 1024;

/**
 * Parameters far beyond Temporal's 2 MB payload limit reach the action intact, by stdin and by file: they
 * travel as an encrypted claim-check file on the artifacts volume, referenced from the workflow, and the
 * file is gone once the execution is reported.
 */
describe('large parameters', () => {
  const d = new TestDeployment();
  beforeAll(() => d.setup(), 120_000);
  afterAll(() => d.teardown());

  const paramsOf = (mib: number) => ({ blob: 'x'.repeat(mib * MiB), note: 'line one\nline "two"' });
  const digest = (text: string) => createHash('sha256').update(text).digest('hex');

  it.each([
    ['stdin', 'tests.param_size', 6],
    ['file', 'tests.param_size_file', 3],
  ])('reach the action by %s (%s, %i MiB), with the history small and no claim-check file left', async (delivery, actionRef, mib) => {
    const params = paramsOf(mib);
    const id = await d.dispatch(actionRef, params);
    const row = await d.waitForCompletion(id, 120_000);
    expect(row.status).toBe('completed');
    const text = formatParameters(params, 'json');
    const sent = delivery === 'stdin' ? `${text}\n` : text;
    expect(row.result).toMatchObject({ data: { bytes: Buffer.byteLength(sent), sha256: digest(sent), delivery } });

    const history = await d.history(id);
    const payloadBytes = (history.events ?? []).reduce((n, e) => n + JSON.stringify(e).length, 0);
    expect(payloadBytes).toBeLessThan(200 * 1024);
    if (delivery === 'stdin') await d.recordHistory(id, 'v5-large-parameters');
    const dir = path.join(d.artifactsDir, '.attune-temporal-parameters');
    expect(existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith(`${id}-`)) : []).toEqual([]);
  }, 150_000);

  it('small parameters still ride in the run spec', async () => {
    const id = await d.dispatch('tests.param_size', { who: 'world' });
    expect((await d.waitForCompletion(id)).status).toBe('completed');
    const history = await d.history(id);
    const scheduled = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runAction');
    expect(scheduled).toHaveLength(1);
  });
});
