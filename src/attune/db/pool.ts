import { Pool } from 'pg';
import type { Logger } from '../../log';

/** A connection that cannot be made in this long is an outage (retried by the caller), not a hang. */
export const CONNECT_TIMEOUT_MS = 10_000;
/**
 * No statement of ours runs longer than this (the largest is a final write of a result of a few MiB): a lock or
 * a stuck server fails the step, which is retried, instead of holding a workflow slot.
 */
export const STATEMENT_TIMEOUT_MS = 25_000;

/**
 * A pg pool whose connections use Attune's search_path, with connect and statement timeouts, and an error
 * listener installed at once so an idle connection dropped by the server cannot crash the process.
 */
export function createDbPool(databaseUrl: string, schema: string, log: Logger, max = 10): Pool {
  const pool = new Pool({
    connectionString: databaseUrl,
    max,
    options: `-c search_path=${schema},public`,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: STATEMENT_TIMEOUT_MS + 5_000,
  });
  pool.on('error', (err) => log.warn({ err }, 'idle database connection failed'));
  return pool;
}
