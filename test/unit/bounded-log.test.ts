import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { BoundedLogFile, truncationNotice } from '../../activities/bounded-log';

const tmp = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'bounded-')), 'out.log');

describe('BoundedLogFile (Attune BoundedLogWriter semantics)', () => {
  it('keeps output up to max-128 bytes untouched', async () => {
    const log = new BoundedLogFile(tmp(), 'stdout', 1024);
    await log.open();
    await log.write(Buffer.alloc(896, 'a'));
    const summary = await log.close();
    expect(summary).toMatchObject({ totalBytes: 896, fileBytes: 896, truncated: false, bytesTruncated: 0 });
    expect(readFileSync(summary.path, 'utf8')).toBe('a'.repeat(896));
  });

  it('cuts at max-128, appends the notice once, and counts everything dropped', async () => {
    const log = new BoundedLogFile(tmp(), 'stderr', 1024);
    await log.open();
    await log.write(Buffer.alloc(800, 'a'));
    await log.write(Buffer.alloc(200, 'b')); // 96 of these fit
    await log.write(Buffer.alloc(5000, 'c'));
    const summary = await log.close();
    const content = readFileSync(summary.path);
    expect(content.toString()).toBe('a'.repeat(800) + 'b'.repeat(96) + '\n\n[OUTPUT TRUNCATED: stderr exceeded size limit]\n');
    expect(truncationNotice('stderr').length).toBe(49);
    expect(summary).toMatchObject({ totalBytes: 6000, fileBytes: 896 + 49, truncated: true, bytesTruncated: 6000 - 896 });
    expect(summary.sha256).toBe(createHash('sha256').update(content).digest('hex'));
  });

  it('adds the notice with no data when output exactly filled the limit', async () => {
    const log = new BoundedLogFile(tmp(), 'stdout', 1024);
    await log.open();
    await log.write(Buffer.alloc(896, 'a'));
    await log.write(Buffer.from('x'));
    const summary = await log.close();
    expect(readFileSync(summary.path, 'utf8')).toBe('a'.repeat(896) + '\n\n[OUTPUT TRUNCATED: stdout exceeded size limit]\n');
    expect(summary.bytesTruncated).toBe(1);
  });

  it('reports the last line for progress', async () => {
    const log = new BoundedLogFile(tmp(), 'stdout');
    await log.open();
    await log.write(Buffer.from('one\ntwo\nthree\n'));
    expect(log.lastLine()).toBe('three');
    await log.close();
  });
});
