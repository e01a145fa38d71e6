import { chmodSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROUTING } from '../../src/attune/topology';
import { cmdline, ensureRootfs } from '../helpers/rootfs';
import { RootfsDeployment } from '../helpers/rootfs-deployment';
import { TEST_CODEC_KEYS } from '../helpers/services';

/**
 * An agent started as root runs actions under their own uid (nobody by default): an action then reaches neither
 * the agent's keys file nor its /proc entries nor other executions' logs, and nothing planted in the artifacts
 * volume makes the agent write through it. Started without the launcher, the agent re-executes through it.
 */
const OTLP_TOKEN = 'otlp-collector-token-9c2d';
const KEY_NEEDLE = TEST_CODEC_KEYS.split(',')[0]!.split(':')[1]!;

interface Probe {
  found: string;
  readable: string;
  control: string;
  uid: string;
  gid: string;
  groups: string;
  keys_file: string;
  other_logs: string;
  other_dir: string;
  scratch: string;
  param_file: string;
}

describe('a root agent: actions under their own uid, per-execution files no-follow', () => {
  const r = new RootfsDeployment();
  let keysFile = '';
  beforeAll(async () => {
    await r.setup();
    const keysDir = path.join(r.d.dir, 'keys');
    mkdirSync(keysDir);
    chmodSync(keysDir, 0o755);
    keysFile = path.join(keysDir, 'codec-keys');
    writeFileSync(keysFile, TEST_CODEC_KEYS, { mode: 0o400 });
    await r.startAgent(ensureRootfs('busybox'), {
      env: { ATTUNE_TEMPORAL_CODEC_KEYS: '', ATTUNE_TEMPORAL_CODEC_KEYS_FILE: keysFile, OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer ${OTLP_TOKEN}` },
      binds: [{ dir: keysDir, readOnly: true }],
    });
  }, 120_000);
  afterAll(() => r.teardown(), 120_000);

  it('says once that actions run under their own uid, and warns of nothing', () => {
    const log = r.agent!.stdout + r.agent!.stderr;
    expect(log.match(/actions run under their own uid/g)).toHaveLength(1);
    expect(log).not.toMatch(/actions run as the agent's own uid|in its environment block/);
  });

  it('an action (uid 65534, no supplementary groups) finds no secret and opens none of the agent\'s files', async () => {
    const first = await r.d.dispatch('rootfs.env_report', { who: 'first' });
    const firstRow = await r.d.waitForCompletion(first, 60_000);
    expect(firstRow.result).toMatchObject({ succeeded: true, data: { uid: '65534' } });
    const otherDir = path.join(r.d.artifactsDir, `execution_${first}`);
    expect(statSync(otherDir).mode & 0o7777).toBe(0o770);
    expect(statSync(path.join(otherDir, 'stdout.log')).mode & 0o777).toBe(0o640);

    const id = await r.d.dispatch('rootfs.isolation_probe', { key_needle: KEY_NEEDLE, env_needle: OTLP_TOKEN, keys_file: keysFile, other_dir: otherDir });
    const row = await r.d.waitForCompletion(id, 60_000);
    expect(row.status).toBe('completed'); // the agent decrypted the run spec with the keys from its file
    const data = row.result!.data as Probe;
    expect({ uid: data.uid, gid: data.gid, groups: data.groups }).toEqual({ uid: '65534', gid: '65534', groups: '' });
    // Only the probe's own control process is found (the hunt works); no descriptor dir or memory map of another
    // process opens.
    expect(data.found).toBe(`${data.control}/environ`);
    expect(data.readable).toBe('');
    expect({ keys: data.keys_file, otherLogs: data.other_logs, otherDir: data.other_dir }).toEqual({ keys: 'no', otherLogs: 'no', otherDir: 'no' });
    // Scratch dir 0700 and its parameter file 0400, both the action's.
    expect({ scratch: data.scratch, paramFile: data.param_file }).toEqual({ scratch: '700 65534', paramFile: '400 65534' });
  }, 120_000);

  it('a planted stdout.log symlink is replaced: its target stays untouched and the run succeeds', async () => {
    const target = path.join(r.d.dir, 'precious.txt');
    writeFileSync(target, 'keep me\n');
    const id = await r.d.createExecution('rootfs.env_report', {});
    const dir = path.join(r.d.artifactsDir, `execution_${id}`);
    mkdirSync(dir);
    symlinkSync(target, path.join(dir, 'stdout.log'));
    await r.d.publish(ROUTING.dispatch(r.d.workerId), r.d.dispatchEnvelope(id, 'rootfs.env_report', {}));
    const row = await r.d.waitForCompletion(id, 60_000);
    expect(row.status).toBe('completed');
    expect(readFileSync(target, 'utf8')).toBe('keep me\n');
    expect(lstatSync(path.join(dir, 'stdout.log')).isFile()).toBe(true);
    expect(readFileSync(path.join(dir, 'stdout.log'), 'utf8')).toContain('"uid":"65534"');
  }, 120_000);

  it('a planted execution_<id> symlink is refused: the execution fails with a clear error, nothing is written there', async () => {
    const elsewhere = path.join(r.d.dir, 'elsewhere');
    mkdirSync(elsewhere);
    const id = await r.d.createExecution('rootfs.env_report', {});
    symlinkSync(elsewhere, path.join(r.d.artifactsDir, `execution_${id}`));
    await r.d.publish(ROUTING.dispatch(r.d.workerId), r.d.dispatchEnvelope(id, 'rootfs.env_report', {}));
    const row = await r.d.waitForCompletion(id, 60_000);
    expect(row.status).toBe('failed');
    expect(String(row.result!.error)).toMatch(new RegExp(`execution_${id} is not a directory but a symlink: refusing to write the execution's logs through it`));
    expect(readdirSync(elsewhere)).toEqual([]);
  }, 120_000);
});

describe('started without the launcher (node agent.js) with its credentials in the environment', () => {
  const r = new RootfsDeployment();
  beforeAll(async () => {
    await r.setup();
    await r.startAgent(ensureRootfs('busybox'), {
      command: ['/opt/attune/agent/bin/node', '/opt/attune/agent/agent.js'],
      env: { OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer ${OTLP_TOKEN}` },
    });
  }, 120_000);
  afterAll(() => r.teardown(), 120_000);

  it('re-executes through the launcher: no secret in any environment block or command line, and it runs executions', async () => {
    const launcher = r.agent!.launcherPid()!;
    const agent = r.agent!.agentPid()!;
    expect(cmdline(launcher)).toBe('/opt/attune/agent/attune-agent ');
    expect(agent).toBeDefined();
    for (const pid of [launcher, agent]) {
      for (const entry of ['environ', 'cmdline']) {
        const text = readFileSync(`/proc/${pid}/${entry}`, 'utf8');
        expect(text).not.toContain(KEY_NEEDLE);
        expect(text).not.toContain(OTLP_TOKEN);
      }
    }
    expect(r.agent!.stdout + r.agent!.stderr).not.toMatch(/in its environment block/);
    const id = await r.d.dispatch('rootfs.env_report', { who: 'reexec' });
    const row = await r.d.waitForCompletion(id, 60_000);
    expect(row.result).toMatchObject({ succeeded: true, data: { params: { who: 'reexec' }, uid: '65534' } });
  }, 120_000);
});
