import type { Pool } from 'pg';

export interface SecretValueRow {
  json_path: string;
  encrypted_value: unknown;
  encryption_key_hash: string | null;
}

/** The encrypted secret parameters of one execution (`execution_secret_value`, entity execution_config). */
export async function findExecutionConfigSecrets(db: Pool, executionId: number): Promise<SecretValueRow[]> {
  const { rows } = await db.query<SecretValueRow>(
    `SELECT json_path, encrypted_value, encryption_key_hash FROM execution_secret_value
      WHERE entity_type = 'execution_config' AND entity_id = $1 ORDER BY json_path`,
    [executionId],
  );
  return rows;
}
