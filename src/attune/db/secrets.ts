import type { Pool } from 'pg';
import { PROVENANCE_SOURCE_KIND } from '../secret-provenance';

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

/** Where the execution's config holds secret parameters (their JSON pointers only: the values stay in the table). */
export async function findSecretParameterPaths(db: Pool, executionId: number): Promise<string[]> {
  const { rows } = await db.query<{ json_path: string }>(
    `SELECT json_path FROM execution_secret_value WHERE entity_type = 'execution_config' AND entity_id = $1 ORDER BY json_path`,
    [executionId],
  );
  return rows.map((r) => r.json_path);
}

/** The action's out_schema (from the execution's snapshot when it has one). */
export async function findOutSchema(db: Pool, executionId: number): Promise<unknown> {
  const { rows } = await db.query<{ out_schema: unknown }>(
    `SELECT COALESCE(e.executable_snapshot #> '{executable,action,out_schema}', a.out_schema) AS out_schema
       FROM execution e LEFT JOIN action a ON a.id = e.action WHERE e.id = $1`,
    [executionId],
  );
  return rows[0]?.out_schema ?? null;
}

/**
 * Stores encrypted result values (entity `execution_result`, source_kind `provenance` with Attune's serialized
 * provenance as source_ref); a retried report overwrites its own rows.
 */
export async function storeResultSecrets(db: Pool, executionId: number, values: { jsonPath: string; encrypted: string; keyHash: string; sourceRef: string }[]): Promise<void> {
  for (const v of values) {
    await db.query(
      `INSERT INTO execution_secret_value (entity_type, entity_id, json_path, source_kind, source_ref, encrypted_value, encryption_key_hash)
       VALUES ('execution_result', $1, $2, $3, $4, to_jsonb($5::text), $6)
       ON CONFLICT (entity_type, entity_id, json_path) DO UPDATE
         SET source_kind = EXCLUDED.source_kind, source_ref = EXCLUDED.source_ref,
             encrypted_value = EXCLUDED.encrypted_value, encryption_key_hash = EXCLUDED.encryption_key_hash`,
      [executionId, v.jsonPath, PROVENANCE_SOURCE_KIND, v.sourceRef, v.encrypted, v.keyHash],
    );
  }
}
