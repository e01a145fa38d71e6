import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, coerceError } from './errors';
import { rootLogger, type Logger } from './log';

/** How long one closer may take before the next one runs regardless (graceful, then forceful). */
const CLOSE_TIMEOUT_MS = 10_000;
/** After everything is closed, a library's lingering handle must not keep the process alive. */
const EXIT_AFTER_CLOSE_MS = 1000;

/** Thrown out of a start-up wait when a stop was requested meanwhile: a clean exit, not a failure. */
export class StopRequested extends Error {
  override name = 'StopRequested';
}

/** A fatal start-up condition that retrying cannot mend (e.g. the HTTP port is taken). */
export class StartupError extends Error {
  override name = 'StartupError';
}

interface Closer {
  name: string;
  close: () => unknown;
}

/**
 * One lifecycle for bridge and agent: each resource registers its closer as soon as it is opened; a stop
 * (first SIGTERM/SIGINT, or the process deciding to end) closes them last-in-first-out, each bounded in
 * time; a second signal forces the exit at once.
 */
export class Lifecycle {
  private readonly closers: Closer[] = [];
  private readonly stop = new AbortController();
  private signalled = 0;
  /** Resolves with the reason once a stop has been requested. */
  readonly stopRequested: Promise<string>;

  constructor(private readonly log: Logger = rootLogger) {
    this.stopRequested = new Promise((resolve) => this.stop.signal.addEventListener('abort', () => resolve(String(this.stop.signal.reason)), { once: true }));
  }

  get signal(): AbortSignal {
    return this.stop.signal;
  }

  get stopping(): boolean {
    return this.stop.signal.aborted;
  }

  /** Registers what closes `resource` and hands the resource back, so opening and registering are one line. */
  add<T>(name: string, resource: T, close: (resource: T) => unknown): T {
    this.closers.push({ name, close: () => close(resource) });
    return resource;
  }

  requestStop(reason: string): void {
    if (!this.stopping) this.stop.abort(reason);
  }

  /** SIGTERM/SIGINT request a stop; a second one ends the process at once (exit 130). */
  handleSignals(): void {
    const onSignal = (signal: NodeJS.Signals) => {
      this.signalled += 1;
      if (this.signalled === 1) {
        this.log.info({ signal }, 'stopping (a second signal forces the exit)');
        this.requestStop(signal);
        return;
      }
      this.log.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    };
    process.on('SIGTERM', onSignal).on('SIGINT', onSignal);
  }

  /** Closes every registered resource, newest first; a closer that fails or hangs does not stop the rest. */
  async closeAll(): Promise<void> {
    for (let closer = this.closers.pop(); closer; closer = this.closers.pop()) {
      const timer = sleep(CLOSE_TIMEOUT_MS, 'timeout', { ref: false });
      try {
        const outcome = await Promise.race([Promise.resolve(closer.close()).then(() => 'closed'), timer]);
        if (outcome === 'timeout') this.log.warn({ resource: closer.name, timeoutMs: CLOSE_TIMEOUT_MS }, 'closing took too long; moving on');
      } catch (err) {
        this.log.warn({ err, resource: closer.name }, 'closing failed');
      }
    }
  }

  /** Waits `ms`, or less if a stop is requested meanwhile (then throws StopRequested). */
  async pause(ms: number): Promise<void> {
    try {
      await sleep(ms, undefined, { signal: this.signal });
    } catch {
      throw new StopRequested(String(this.signal.reason));
    }
  }
}

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  /** Called before each wait, e.g. to report not-ready. */
  onRetry?: (err: Error, attempt: number, delayMs: number) => void;
}

/**
 * Opens a dependency that may not be reachable yet (PostgreSQL, RabbitMQ, Temporal): retried with
 * exponential backoff for as long as it takes, until it answers or a stop is requested. Configuration
 * errors and StartupErrors are not retried.
 */
export async function openWithBackoff<T>(lifecycle: Lifecycle, what: string, open: () => Promise<T>, opts: BackoffOptions = {}): Promise<T> {
  const maxMs = opts.maxMs ?? 30_000;
  let delay = opts.initialMs ?? 500;
  for (let attempt = 1; ; attempt += 1) {
    if (lifecycle.stopping) throw new StopRequested(String(lifecycle.signal.reason));
    try {
      return await open();
    } catch (thrown) {
      const err = coerceError(thrown);
      if (err instanceof ConfigError || err instanceof StartupError || err instanceof StopRequested) throw err;
      opts.onRetry?.(err, attempt, delay);
      rootLogger.warn({ err: err.message, attempt, retryInMs: delay }, `${what} is not reachable yet; retrying`);
      await lifecycle.pause(delay);
      delay = Math.min(maxMs, delay * 2);
    }
  }
}

/**
 * The only place that ends the process: runs `main` with a lifecycle, closes whatever it opened (also
 * when it failed), and maps the outcome to an exit code and one clear line — 2 for a configuration error,
 * 1 for any other failure, 0 for a clean stop.
 */
export function runMain(main: (lifecycle: Lifecycle) => Promise<void>): void {
  const lifecycle = new Lifecycle();
  const finish = async (code: number) => {
    await lifecycle.closeAll();
    process.exitCode ??= code;
    setTimeout(() => process.exit(), EXIT_AFTER_CLOSE_MS).unref();
  };
  void main(lifecycle).then(
    () => finish(0),
    async (thrown: unknown) => {
      const err = coerceError(thrown);
      if (err instanceof StopRequested) return finish(0);
      if (err instanceof ConfigError) {
        process.stderr.write(`attune-temporal: configuration error: ${err.message}\n`);
        return finish(2);
      }
      rootLogger.fatal({ err }, err.message);
      process.stderr.write(`attune-temporal: ${err.message}\n`);
      return finish(1);
    },
  );
}
