import type { Pool } from 'pg';

/** The parts of Attune's `action` and `runtime` rows (or their executable snapshot) a worker uses. */
export interface ActionRow {
  id: number;
  ref: string;
  pack_ref: string;
  entrypoint: string;
  runtime: number | null;
  is_adhoc: boolean;
  parameter_delivery: string;
  parameter_format: string;
  output_format: string;
  timeout_seconds: number | null;
  runtime_version_constraint: string | null;
}

export interface RuntimeRow {
  id: number;
  ref: string;
  name: string;
  aliases: string[];
  execution_config: unknown;
}

const actionColumns = `id::float8 AS id, ref, pack_ref, entrypoint, runtime::float8 AS runtime, is_adhoc,
  parameter_delivery, parameter_format, output_format, timeout_seconds, runtime_version_constraint`;

/** By id (retired rows included), else by ref — Attune's lookup order after the snapshot. */
export async function findAction(db: Pool, id: number | null, ref: string): Promise<ActionRow | null> {
  if (id !== null) {
    const byId = await db.query<ActionRow>(`SELECT ${actionColumns} FROM action WHERE id = $1`, [id]);
    if (byId.rows[0]) return byId.rows[0];
  }
  const byRef = await db.query<ActionRow>(`SELECT ${actionColumns} FROM action WHERE ref = $1`, [ref]);
  return byRef.rows[0] ?? null;
}

export async function findRuntime(db: Pool, id: number): Promise<RuntimeRow | null> {
  const { rows } = await db.query<RuntimeRow>(
    `SELECT id::float8 AS id, ref, name, aliases, execution_config FROM runtime WHERE id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

export async function findEnforcementRefs(db: Pool, id: number): Promise<{ rule_ref: string; trigger_ref: string } | null> {
  const { rows } = await db.query<{ rule_ref: string; trigger_ref: string }>(
    `SELECT rule_ref, trigger_ref FROM enforcement WHERE id = $1`,
    [id],
  );
  return rows[0] ?? null;
}
