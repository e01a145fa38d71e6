import type { Pool } from 'pg';
import type { AgentCapabilities } from '../../temporal/contracts';
import { runtimeKind } from '../runtimes';

/**
 * Attune's agent auto-registration (dynamic_runtime.rs): a runtime an agent detected that has no
 * `runtime` row (by alias, name, or a ref ending `.{name}`) is inserted as `auto.{name}`, marked
 * auto_detected with its detection config — cloned from `core.{name}` when that template exists,
 * else a minimal interpreter config — so Attune can schedule actions on it. Returns the refs created.
 */
export async function registerDetectedRuntimes(db: Pool, detected: AgentCapabilities['detected_interpreters']): Promise<string[]> {
  const created: string[] = [];
  for (const d of detected) {
    const name = d.name.toLowerCase();
    const known = await db.query(
      `SELECT 1 FROM runtime WHERE lower(name) = $1 OR $1 = ANY (aliases) OR ref LIKE '%.' || $1 LIMIT 1`,
      [name],
    );
    if (known.rowCount) continue;
    const template = await db.query<{ name: string; aliases: string[]; distributions: unknown; execution_config: Record<string, unknown> }>(
      `SELECT name, aliases, distributions, execution_config FROM runtime WHERE ref = $1`,
      [`core.${name}`],
    );
    const t = template.rows[0];
    const kind = runtimeKind(name);
    const executionConfig = t
      ? { ...t.execution_config, interpreter: { ...((t.execution_config.interpreter as object | undefined) ?? {}), binary: d.path } }
      : { interpreter: { binary: d.path, args: [], file_extension: kind?.fileExtension ?? null } };
    const distributions = t?.distributions ?? { verification: { commands: [{ binary: d.path, args: kind?.versionArgs ?? ['--version'], exit_code: 0, priority: 1 }] } };
    const detection = { detected_path: d.path, detected_name: name, ...(d.version ? { detected_version: d.version } : {}) };
    const inserted = await db.query(
      `INSERT INTO runtime (ref, name, aliases, distributions, execution_config, auto_detected, detection_config)
       VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, true, $6::jsonb) ON CONFLICT (ref) DO NOTHING`,
      [`auto.${name}`, t?.name ?? name, t?.aliases ?? kind?.aliases ?? [name], JSON.stringify(distributions), JSON.stringify(executionConfig), JSON.stringify(detection)],
    );
    if (inserted.rowCount) created.push(`auto.${name}`);
  }
  return created;
}
