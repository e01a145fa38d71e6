import { chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createFresh, ensureAgentDir, openExecutionDir, writeActionFile, writeFresh } from '../../activities/execution-files';

const root = () => mkdtempSync(path.join(os.tmpdir(), 'exec-files-'));

describe('per-execution files: nothing planted is written through', () => {
  it('makes execution_<id> 0770 and creates its logs exclusively through the open directory', async () => {
    const artifacts = root();
    const dir = await openExecutionDir(artifacts, 7);
    try {
      expect(dir.dir).toBe(path.join(artifacts, 'execution_7'));
      expect(statSync(dir.dir).mode & 0o7777).toBe(0o770);
      const log = await createFresh(path.join(dir.base, 'stdout.log'), 0o640);
      await log.writeFile('out');
      await log.close();
      expect(readFileSync(path.join(dir.dir, 'stdout.log'), 'utf8')).toBe('out');
      expect(statSync(path.join(dir.dir, 'stdout.log')).mode & 0o777).toBe(0o640);
    } finally {
      await dir.close();
    }
  });

  it('a re-run of the same execution reuses its directory and replaces its old logs', async () => {
    const artifacts = root();
    mkdirSync(path.join(artifacts, 'execution_8'));
    writeFileSync(path.join(artifacts, 'execution_8', 'stdout.log'), 'first run');
    const dir = await openExecutionDir(artifacts, 8);
    await writeFresh(path.join(dir.base, 'stdout.log'), 'second run');
    await dir.close();
    expect(readFileSync(path.join(artifacts, 'execution_8', 'stdout.log'), 'utf8')).toBe('second run');
  });

  it('a planted stdout.log symlink is replaced, its target untouched', async () => {
    const artifacts = root();
    const target = path.join(artifacts, 'precious');
    writeFileSync(target, 'keep me');
    mkdirSync(path.join(artifacts, 'execution_9'));
    symlinkSync(target, path.join(artifacts, 'execution_9', 'stdout.log'));
    const dir = await openExecutionDir(artifacts, 9);
    await writeFresh(path.join(dir.base, 'stdout.log'), 'log');
    await dir.close();
    expect(readFileSync(target, 'utf8')).toBe('keep me');
    expect(lstatSync(path.join(artifacts, 'execution_9', 'stdout.log')).isFile()).toBe(true);
  });

  it('refuses an execution dir that is a symlink or a file', async () => {
    const artifacts = root();
    const elsewhere = path.join(artifacts, 'elsewhere');
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, path.join(artifacts, 'execution_10'));
    await expect(openExecutionDir(artifacts, 10)).rejects.toThrow(/execution_10 is not a directory but a symlink: refusing/);
    writeFileSync(path.join(artifacts, 'execution_11'), '');
    await expect(openExecutionDir(artifacts, 11)).rejects.toThrow(/execution_11 is not a directory but a file/);
  });

  (process.getuid?.() === 0 ? it : it.skip)('refuses an execution dir of another uid (root only: needs chown)', async () => {
    const artifacts = root();
    mkdirSync(path.join(artifacts, 'execution_12'));
    chownSync(path.join(artifacts, 'execution_12'), 65534, 65534);
    await expect(openExecutionDir(artifacts, 12)).rejects.toThrow(/belongs to uid 65534, not to the agent's uid 0/);
  });

  it('action files are created exclusively: a planted link fails instead of being written through', async () => {
    const dir = root();
    const target = path.join(dir, 'target');
    writeFileSync(target, 'keep me');
    symlinkSync(target, path.join(dir, 'params.json'));
    await expect(writeActionFile(path.join(dir, 'params.json'), '{}', 0o400, null)).rejects.toThrow(/EEXIST/);
    expect(readFileSync(target, 'utf8')).toBe('keep me');
    await writeActionFile(path.join(dir, 'fresh.json'), '{}', 0o400, null);
    expect(statSync(path.join(dir, 'fresh.json')).mode & 0o777).toBe(0o400);
  });

  it('the inline-script dir must be the agent\'s own real directory', async () => {
    const tmp = root();
    const made = await ensureAgentDir(tmp, ['attune', 'inline_actions']);
    expect(statSync(made).mode & 0o7777).toBe(0o711);
    const hostile = root();
    symlinkSync(tmp, path.join(hostile, 'attune'));
    await expect(ensureAgentDir(hostile, ['attune', 'inline_actions'])).rejects.toThrow(/a symlink\): refusing/);
    expect(existsSync(path.join(tmp, 'inline_actions'))).toBe(false); // nothing was made through the link
  });
});
