import { stringify as toYaml } from 'yaml';
import type { ParameterFormat } from '../temporal/contracts';

/** Serialises action parameters the way Attune's parameter_passing.rs does. */
export function formatParameters(params: Record<string, unknown>, format: ParameterFormat): string {
  switch (format) {
    case 'json':
      return JSON.stringify(params);
    case 'yaml':
      return toYaml(params);
    case 'dotenv':
      return dotenvLines(params).sort().join('\n');
  }
}

/** `key='value'`, nested keys dotted, arrays as compact JSON, null as empty, `'` escaped as `'\''`. */
function dotenvLines(value: Record<string, unknown>, prefix = ''): string[] {
  const lines: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      lines.push(...dotenvLines(v as Record<string, unknown>, name));
      continue;
    }
    lines.push(`${name}='${scalarText(v).replace(/'/g, `'\\''`)}'`);
  }
  return lines;
}

/** Strings raw, numbers and booleans as text, null empty, anything else compact JSON. */
export function scalarText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/**
 * The bash preamble Attune writes for inline shell actions (`inject_shell_helpers`): every parameter
 * becomes two unexported variables, PARAM_<IDENT> and <ident>.
 */
export function shellHelperScript(params: Record<string, unknown>, code: string): string {
  let out = '#!/bin/bash\nset -e\n\n# Action parameters\n';
  for (const [key, v] of Object.entries(params)) {
    const ident = shellIdent(key);
    const quoted = `'${scalarText(v).replace(/'/g, `'\\''`)}'`;
    out += `PARAM_${ident.toUpperCase()}=${quoted}\n${ident}=${quoted}\n`;
  }
  return `${out}\n# Action code\n${code}`;
}

function shellIdent(key: string): string {
  let ident = key.replace(/[^A-Za-z0-9_]/g, '_');
  if (ident === '') ident = '_';
  if (/^[0-9]/.test(ident)) ident = `_${ident.slice(1)}`;
  return ident;
}
