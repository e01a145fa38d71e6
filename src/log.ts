import pino from 'pino';

/**
 * Structured logs to stderr (stdout stays free for command output such as `submit --follow`).
 * Secret-bearing fields are redacted wherever they appear.
 */
export const rootLogger = pino(
  {
    level: process.env.ATTUNE_TEMPORAL_LOG_LEVEL ?? 'info',
    base: { pid: process.pid },
    redact: { paths: ['*.parameters', '*.password', '*.token', '*.secret', '*.encryptionKey', '*.jwtSecret'], censor: '[REDACTED]' },
  },
  pino.destination({ fd: 2, sync: true }),
);

export type Logger = pino.Logger;

export function scopedLogger(scope: string, bindings: Record<string, unknown> = {}): Logger {
  return rootLogger.child({ scope, ...bindings });
}
