import { createHash, type Hash } from 'node:crypto';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { getSystemErrorMap } from 'node:util';
import type { LogSummary } from '../src/temporal/contracts';

/** Attune's BoundedLogWriter: 10 MiB per stream, 128 bytes reserved for the notice. */
export const DEFAULT_MAX_LOG_BYTES = 10 * 1024 * 1024;
const RESERVE_BYTES = 128;
const TAIL_BYTES = 4096;

/**
 * What an execution reports when its output cannot be stored: the path and the errno with its meaning,
 * e.g. `Could not write the action's output to /x/stdout.log: ENOSPC (no space left on device)`.
 */
export function outputWriteError(filePath: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const known = typeof e?.errno === 'number' ? getSystemErrorMap().get(e.errno) : undefined;
  const reason = known ? `${known[0]} (${known[1]})` : e?.code ? `${e.code} (${e.message})` : String(e?.message ?? err);
  return `Could not write the action's output to ${filePath}: ${reason}`;
}

/** Creates a log file for writing, given the path it is reported under. */
export type LogCreator = (filePath: string) => Promise<FileHandle>;

export const truncationNotice = (stream: 'stdout' | 'stderr') =>
  Buffer.from(`\n\n[OUTPUT TRUNCATED: ${stream} exceeded size limit]\n`, 'utf8');

/**
 * Streams one output stream of an action into its log file, keeping at most `max - 128` bytes of data
 * followed by Attune's truncation notice; everything after is counted, not kept. Memory stays flat
 * (a tail of a few KB) however much the action prints.
 *
 * I/O errors never escape `write` or `close`: the first one (ENOSPC, EDQUOT, EFBIG, EIO…) is kept in
 * `writeError`, nothing more is written after it, and the output is still counted and tailed. The summary
 * then describes exactly the bytes that reached the file, partial writes included, so the reader's size
 * and checksum check still holds.
 */
export class BoundedLogFile {
  private handle: FileHandle | null = null;
  private readonly hash: Hash = createHash('sha256');
  private kept = 0;
  private total = 0;
  private fileBytes = 0;
  private truncated = false;
  private tail = Buffer.alloc(0);
  private failure: string | null = null;

  constructor(
    readonly filePath: string,
    private readonly stream: 'stdout' | 'stderr',
    private readonly maxBytes = DEFAULT_MAX_LOG_BYTES,
    /** How the file is created (the agent's is exclusive and no-follow, execution-files.ts); else opened with 'w'. */
    private readonly create?: LogCreator,
  ) {}

  /** Rejects with `outputWriteError`'s text when the file cannot be created. */
  async open(): Promise<void> {
    try {
      if (this.create) {
        this.handle = await this.create(this.filePath);
      } else {
        await mkdir(path.dirname(this.filePath), { recursive: true });
        this.handle = await open(this.filePath, 'w', 0o640);
      }
    } catch (err) {
      throw new Error(outputWriteError(this.filePath, err), { cause: err });
    }
  }

  /** The first error writing or closing the file, as `outputWriteError` words it; null while all is well. */
  get writeError(): string | null {
    return this.failure;
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
    if (this.truncated || this.failure !== null) return;
    const room = this.maxBytes - RESERVE_BYTES - this.kept;
    if (chunk.length <= room) {
      this.kept += await this.append(chunk);
      return;
    }
    if (room > 0) this.kept += await this.append(chunk.subarray(0, room));
    await this.append(truncationNotice(this.stream));
    this.truncated = true;
  }

  async close(): Promise<LogSummary> {
    const handle = this.handle;
    this.handle = null;
    try {
      await handle?.close();
    } catch (err) {
      // e.g. EIO or EDQUOT reported at close on network filesystems
      this.failure ??= outputWriteError(this.filePath, err);
    }
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

  /** Writes all of `bytes`, or records the error; returns what was written (hash and size follow each write). */
  private async append(bytes: Buffer): Promise<number> {
    if (!this.handle) throw new Error(`log file ${this.filePath} is not open`);
    if (this.failure !== null) return 0;
    let offset = 0;
    while (offset < bytes.length) {
      let bytesWritten: number;
      try {
        ({ bytesWritten } = await this.handle.write(bytes, offset, bytes.length - offset));
      } catch (err) {
        this.failure = outputWriteError(this.filePath, err);
        return offset;
      }
      this.hash.update(bytes.subarray(offset, offset + bytesWritten));
      this.fileBytes += bytesWritten;
      offset += bytesWritten;
    }
    return offset;
  }
}
