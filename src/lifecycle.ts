import { ConfigError, coerceError } from './errors';
import { rootLogger } from './log';

/** The only place that ends the process: runs `main`, maps failures to an exit code and one clear line. */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => {
      process.exitCode ??= 0;
      // A service that has shut down cleanly must not linger because some library left a handle open.
      setTimeout(() => process.exit(), 1000).unref();
    },
    (thrown: unknown) => {
      const err = coerceError(thrown);
      if (err instanceof ConfigError) {
        process.stderr.write(`attune-temporal: configuration error: ${err.message}\n`);
        process.exitCode = 2;
        return;
      }
      rootLogger.fatal({ err }, err.message);
      process.stderr.write(`attune-temporal: ${err.message}\n`);
      process.exitCode = 1;
    },
  );
}
