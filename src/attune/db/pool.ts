import { Pool } from 'pg';
import type { Logger } from '../../log';

/**
 * A pg pool whose connections use Attune's search_path, with an error listener installed at once so
 * an idle connection dropped by the server cannot crash the process.
 */
export function createDbPool(databaseUrl: string, schema: string, log: Logger, max = 10): Pool {
  const pool = new Pool({ connectionString: databaseUrl, max, options: `-c search_path=${schema},public` });
  pool.on('error', (err) => log.warn({ err }, 'idle database connection failed'));
  return pool;
}
