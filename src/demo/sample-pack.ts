import type { Pool } from 'pg';

/**
 * Rows for the sample pack `demo` (shell and python actions) and the two core runtimes they use, shaped
 * like Attune's platform catalog (core.shell, core.python). Used by `dev` and by the tests.
 */
export const CORE_RUNTIMES = {
  shell: {
    ref: 'core.shell',
    name: 'Shell',
    aliases: ['shell', 'bash', 'sh'],
    execution_config: {
      interpreter: { binary: '/bin/bash', args: [], file_extension: '.sh' },
      inline_execution: { strategy: 'temp_file', extension: '.sh', inject_shell_helpers: true },
    },
  },
  python: {
    ref: 'core.python',
    name: 'Python',
    aliases: ['python', 'python3'],
    execution_config: {
      interpreter: { binary: 'python3', args: ['-u'], file_extension: '.py' },
      environment: { env_type: 'virtualenv', dir_name: '.venv', create_command: ['python3', '-m', 'venv', '--copies', '{env_dir}'], interpreter_path: '{env_dir}/bin/python3' },
      dependencies: { manifest_file: 'requirements.txt', install_command: ['{interpreter}', '-m', 'pip', 'install', '-r', '{manifest_path}'] },
      env_vars: { PYTHONPATH: { value: '{pack_dir}/lib', operation: 'prepend', separator: ':' } },
    },
  },
  // Attune's catalog has no Ruby runtime; an operator registers one like this (the Compose test's ruby pool uses it).
  ruby: {
    ref: 'core.ruby',
    name: 'Ruby',
    aliases: ['ruby', 'rb'],
    execution_config: { interpreter: { binary: 'ruby', args: [], file_extension: '.rb' } },
  },
  node: {
    ref: 'core.nodejs',
    name: 'Node.js',
    aliases: ['node', 'nodejs', 'node.js'],
    execution_config: {
      interpreter: { binary: 'node', args: [], file_extension: '.js' },
      environment: { env_type: 'node_modules', dir_name: 'node_modules', create_command: ['sh', '-c', 'mkdir -p {env_dir} && cp {manifest_path} {env_dir}/ 2>/dev/null || true'], interpreter_path: null },
      dependencies: { manifest_file: 'package.json', install_command: ['npm', 'install', '--prefix', '{env_dir}'] },
      env_vars: { NODE_PATH: '{env_dir}/node_modules' },
    },
  },
} as const;

export interface ActionSeed {
  ref: string;
  entrypoint: string;
  runtime: keyof typeof CORE_RUNTIMES;
  outputFormat?: 'text' | 'json' | 'yaml' | 'jsonl';
  parameterDelivery?: 'stdin' | 'file';
  parameterFormat?: 'json' | 'dotenv' | 'yaml';
  timeoutSeconds?: number;
  runtimeVersionConstraint?: string;
}

export async function ensurePack(db: Pool, ref: string): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO pack (ref, label, version) VALUES ($1, $1, '1.0.0')
     ON CONFLICT (ref) DO UPDATE SET label = EXCLUDED.label RETURNING id`,
    [ref],
  );
  return Number(rows[0]!.id);
}

export async function ensureRuntime(db: Pool, name: keyof typeof CORE_RUNTIMES): Promise<number> {
  const core = await ensurePack(db, 'core');
  const rt = CORE_RUNTIMES[name];
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO runtime (ref, pack, pack_ref, name, aliases, distributions, execution_config)
     VALUES ($1, $2, 'core', $3, $4, '{}'::jsonb, $5::jsonb)
     ON CONFLICT (ref) DO UPDATE SET execution_config = EXCLUDED.execution_config RETURNING id`,
    [rt.ref, core, rt.name, rt.aliases, JSON.stringify(rt.execution_config)],
  );
  return Number(rows[0]!.id);
}

export async function ensureAction(db: Pool, seed: ActionSeed): Promise<number> {
  const packRef = seed.ref.split('.')[0]!;
  const pack = await ensurePack(db, packRef);
  const runtime = await ensureRuntime(db, seed.runtime);
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO action (ref, pack, pack_ref, label, entrypoint, runtime, parameter_delivery, parameter_format, output_format, timeout_seconds, runtime_version_constraint)
     VALUES ($1, $2, $3, $1, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (ref) DO UPDATE SET entrypoint = EXCLUDED.entrypoint, runtime = EXCLUDED.runtime,
       parameter_delivery = EXCLUDED.parameter_delivery, parameter_format = EXCLUDED.parameter_format,
       output_format = EXCLUDED.output_format, timeout_seconds = EXCLUDED.timeout_seconds,
       runtime_version_constraint = EXCLUDED.runtime_version_constraint
     RETURNING id`,
    [
      seed.ref, pack, packRef, seed.entrypoint, runtime, seed.parameterDelivery ?? 'stdin', seed.parameterFormat ?? 'json',
      seed.outputFormat ?? 'text', seed.timeoutSeconds ?? null, seed.runtimeVersionConstraint ?? null,
    ],
  );
  return Number(rows[0]!.id);
}

export const DEMO_ACTIONS: ActionSeed[] = [
  { ref: 'demo.hello', entrypoint: 'hello.sh', runtime: 'shell', outputFormat: 'json' },
  { ref: 'demo.echo', entrypoint: 'echo.py', runtime: 'python', outputFormat: 'json' },
];
