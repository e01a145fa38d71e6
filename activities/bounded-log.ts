import { createHash, type Hash } from 'node:crypto';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { LogSummary } from '../src/temporal/contracts';

/** Attune's BoundedLogWriter: 10 MiB per stream, 128 bytes reserved for the notice. */
export const DEFAULT_MAX_LOG_BYTES = 10 * 1024 * 1024;
const RESERVE_BYTES = 128;
const TAIL_BYTES = 4096;

export const truncationNotice = (stream: 'stdout' | 'stderr') =>
  Buffer.from(`\n\n[OUTPUT TRUNCATED: ${stream} exceeded size limit]\n`, 'utf8');

/**
 * Streams one output stream of an action into its log file, keeping at most `max - 128` bytes of data
 * followed by Attune's truncation notice; everything after is counted, not kept. Memory stays flat
 * (a tail of a few KB) however much the action prints.
 */
export class BoundedLogFile {
  private handle: FileHandle | null = null;
  private readonly hash: Hash = createHash('sha256');
  private kept = 0;
  private total = 0;
  private fileBytes = 0;
  private truncated = false;
  private tail = Buffer.alloc(0);

  constructor(
    readonly filePath: string,
    private readonly stream: 'stdout' | 'stderr',
    private readonly maxBytes = DEFAULT_MAX_LOG_BYTES,
  ) {}

  async open(): Promise<void> {
    await mkdir(path.dirname(this.filePath), { recursive: true });
    this.handle = await open(this.filePath, 'w', 0o640);
  }

  get totalBytes(): number {
    return this.total;
  }

  /** Last line of output so far (for progress heartbeats), at most a few hundred characters. */
  lastLine(): string {
    const text = this.tail.toString('utf8').replace(/\s+$/, '');
    const line = text.slice(text.lastIndexOf('\n') + 1);
    return line.length > 512 ? line.slice(-512) : line;
  }

  async write(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    this.total += chunk.length;
    this.tail = Buffer.concat([this.tail, chunk]).subarray(-TAIL_BYTES);
    if (this.truncated) return;
    const room = this.maxBytes - RESERVE_BYTES - this.kept;
    if (chunk.length <= room) {
      await this.append(chunk);
      this.kept += chunk.length;
      return;
    }
    if (room > 0) {
      await this.append(chunk.subarray(0, room));
      this.kept += room;
    }
    await this.append(truncationNotice(this.stream));
    this.truncated = true;
  }

  async close(): Promise<LogSummary> {
    await this.handle?.close();
    this.handle = null;
    return {
      path: this.filePath,
      totalBytes: this.total,
      fileBytes: this.fileBytes,
      truncated: this.truncated,
      bytesTruncated: this.total - this.kept,
      sha256: this.hash.copy().digest('hex'),
      tail: this.tail.toString('utf8'),
    };
  }

  private async append(bytes: Buffer): Promise<void> {
    if (!this.handle) throw new Error(`log file ${this.filePath} is not open`);
    let offset = 0;
    while (offset < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, offset, bytes.length - offset);
      offset += bytesWritten;
    }
    this.hash.update(bytes);
    this.fileBytes += bytes.length;
  }
}
