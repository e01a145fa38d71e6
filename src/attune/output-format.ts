import { parse as parseYaml } from 'yaml';
import type { OutputFormat } from '../temporal/contracts';

/**
 * Parses an action's stdout per its output_format (§2.13). Returns undefined when there is nothing to
 * parse or parsing fails (not an error): json falls back to the last line, jsonl skips bad lines.
 */
export function parseOutput(stdout: string, format: OutputFormat): unknown {
  const trimmed = stdout.trim();
  if (trimmed === '') return undefined;
  switch (format) {
    case 'text':
      return undefined;
    case 'json': {
      const whole = tryJson(trimmed);
      if (whole !== undefined) return whole;
      return tryJson(trimmed.slice(trimmed.lastIndexOf('\n') + 1).trim());
    }
    case 'yaml':
      try {
        return parseYaml(trimmed) as unknown;
      } catch {
        return undefined;
      }
    case 'jsonl': {
      const values = trimmed
        .split('\n')
        .map((line) => tryJson(line.trim()))
        .filter((v) => v !== undefined);
      return values.length > 0 ? values : undefined;
    }
  }
}

function tryJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
