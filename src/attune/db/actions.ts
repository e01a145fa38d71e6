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

export interface RuntimeVersionDbRow {
  version: string;
  execution_config: unknown;
  is_default: boolean;
  available: boolean;
}

export async function findRuntimeVersions(db: Pool, runtimeId: number): Promise<RuntimeVersionDbRow[]> {
  const { rows } = await db.query<RuntimeVersionDbRow>(
    `SELECT version, execution_config, is_default, available FROM runtime_version WHERE runtime = $1 AND retired_at IS NULL`,
    [runtimeId],
  );
  return rows;
}

/** The versions a worker advertises for a runtime: capabilities.runtime_versions, else detected interpreters. */
export async function advertisedVersions(db: Pool, workerId: number, names: string[]): Promise<string[]> {
  const { rows } = await db.query<{ capabilities: { runtime_versions?: Record<string, string[]>; detected_interpreters?: { name: string; version: string | null }[] } | null }>(
    `SELECT capabilities FROM worker WHERE id = $1`,
    [workerId],
  );
  const caps = rows[0]?.capabilities;
  const fromVersions = names.flatMap((n) => caps?.runtime_versions?.[n] ?? []);
  if (fromVersions.length > 0) return fromVersions;
  return (caps?.detected_interpreters ?? []).filter((d) => names.includes(d.name) && d.version).map((d) => d.version!);
}
