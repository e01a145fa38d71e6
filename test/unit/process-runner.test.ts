import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BoundedLogFile } from '../../activities/bounded-log';
import { startProcess, type ProcessRequest } from '../../activities/process-runner';
import { isAlive } from '../helpers/processes';

/** /dev/full answers every write with ENOSPC: a full artifacts volume without mounting anything. */
const FULL = '/dev/full';
const ENOSPC_TEXT = `Could not write the action's output to ${FULL}: ENOSPC (no space left on device)`;

describe('output that cannot be written (full or failing artifacts volume)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'runner-'));
  const request = (script: string, over: Partial<ProcessRequest> = {}): ProcessRequest => ({
    file: '/bin/sh',
    args: ['-c', script],
    cwd: undefined,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    stdin: null,
    stdoutPath: path.join(dir, `${Math.random().toString(36).slice(2)}.out`),
    stderrPath: path.join(dir, `${Math.random().toString(36).slice(2)}.err`),
    timeoutMs: 60_000,
    killGraceMs: 300,
    signal: new AbortController().signal,
    ...over,
  });

  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  beforeEach(() => {
    rejections.length = 0;
    process.on('unhandledRejection', onRejection);
  });
  afterEach(() => {
    process.off('unhandledRejection', onRejection);
    expect(rejections).toEqual([]);
  });

  it('BoundedLogFile records the first write error instead of throwing, and keeps counting', async () => {
    const log = new BoundedLogFile(FULL, 'stdout', 1024);
    await log.open();
    await expect(log.write(Buffer.alloc(100, 'a'))).resolves.toBeUndefined();
    await log.write(Buffer.from('more\n'));
    expect(log.writeError).toBe(ENOSPC_TEXT);
    const summary = await log.close();
    expect(summary).toMatchObject({ totalBytes: 105, fileBytes: 0, tail: `${'a'.repeat(100)}more\n` });
  });

  it('an action whose stdout cannot be written is stopped (group included) and ends with a clear error', async () => {
    const pidFile = path.join(dir, 'bg.pid');
    // Prints a lot, leaves a descendant in its group, then keeps running: only the stop ends it.
    const running = startProcess(request(`sleep 60 & echo $! > ${pidFile}; head -c 1000000 /dev/zero; exec sleep 60`, { stdoutPath: FULL }));
    const started = Date.now();
    const result = await running.result;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result).toMatchObject({ kind: 'exited', exitCode: -1, error: ENOSPC_TEXT });
    expect(result.stdout?.totalBytes).toBeGreaterThan(0);
    const descendant = Number(readFileSync(pidFile, 'utf8'));
    for (let i = 0; i < 20 && isAlive(descendant); i++) await new Promise((r) => setTimeout(r, 50));
    expect(isAlive(descendant)).toBe(false);
  });

  it('a write error on stderr counts too, even when the action exits 0 by itself', async () => {
    const result = await startProcess(request('echo out; echo err >&2; exit 0', { stderrPath: FULL })).result;
    expect(result).toMatchObject({ kind: 'exited', exitCode: 0, error: ENOSPC_TEXT });
    expect(result.stdout).toMatchObject({ totalBytes: 4, fileBytes: 4 });
  });

  it('a log file that cannot be created ends the run as spawn_failed with the path, without starting the action', async () => {
    const marker = path.join(dir, 'ran');
    const blocked = path.join(FULL, 'execution_1', 'stdout.log'); // mkdir under a device file fails (ENOTDIR)
    const result = await startProcess(request(`touch ${marker}`, { stdoutPath: blocked })).result;
    expect(result.kind).toBe('spawn_failed');
    expect(result.error).toMatch(new RegExp(`^Could not write the action's output to ${blocked.replace(/\//g, '\\/')}: (ENOTDIR|EEXIST)`));
    expect(result.stdout).toBeNull();
    expect(() => readFileSync(marker)).toThrow();
  });

  it('a child that exits without reading stdin still succeeds (EPIPE on stdin is ignored as before)', async () => {
    const result = await startProcess(request('exit 0', { stdin: 'x'.repeat(1024 * 1024) })).result;
    expect(result).toMatchObject({ kind: 'exited', exitCode: 0, error: null });
  });
});
