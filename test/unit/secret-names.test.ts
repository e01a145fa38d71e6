import { readFileSync } from 'node:fs';
import path from 'node:path';
import { agentSecretNames, isAgentSecretName, SECRET_NAMES, SECRET_PREFIXES, SECRET_SUFFIXES } from '../../activities/agent/secret-names';

const LAUNCHER_SOURCE = readFileSync(path.join(__dirname, '..', '..', 'src', 'bundle', 'launcher', 'attune-agent.c'), 'utf8');

/** The strings of one `static const char *const NAME[] = {"a", "b", NULL};` list of the launcher. */
function cList(name: string): string[] {
  const m = new RegExp(`static const char \\*const ${name}\\[\\] = \\{([^}]*)\\};`).exec(LAUNCHER_SOURCE);
  if (!m) throw new Error(`${name} not found in attune-agent.c`);
  return [...m[1]!.matchAll(/"([^"]*)"/g)].map((s) => s[1]!);
}

describe('the agent\'s secret-name rules', () => {
  it('are the launcher\'s, list for list', () => {
    expect(cList('SECRET_PREFIXES')).toEqual([...SECRET_PREFIXES]);
    expect(cList('SECRET_SUFFIXES')).toEqual([...SECRET_SUFFIXES]);
    expect(cList('SECRET_NAMES')).toEqual([...SECRET_NAMES]);
  });

  it('the launcher\'s secret() uses all three lists', () => {
    const body = /static int secret\(const char \*entry\) \{([\s\S]*?)\n\}/.exec(LAUNCHER_SOURCE)![1]!;
    for (const list of ['SECRET_PREFIXES', 'SECRET_SUFFIXES', 'SECRET_NAMES']) expect(body).toContain(`${list}[i]`);
  });

  it.each([
    ['ATTUNE_TEMPORAL_CODEC_KEYS', true],
    ['TEMPORAL_API_KEY', true],
    ['TEMPORAL_TLS_CLIENT_KEY_DATA', true],
    ['ATTUNE__AGENT__BOOTSTRAP_TOKEN', true],
    ['OTEL_EXPORTER_OTLP_HEADERS', true],
    ['ATTUNE_TEMPORAL_CODEC_KEYS_FILE', false],
    ['TEMPORAL_ADDRESS', false],
    ['MY_API_KEY', false],
    ['ATTUNE_KEY', true],
    ['_KEY', false],
  ])('%s is a secret: %s', (name, expected) => {
    expect(isAgentSecretName(name)).toBe(expected);
  });

  it('names only what is set', () => {
    expect(agentSecretNames({ TEMPORAL_API_KEY: 'k', ATTUNE_TEMPORAL_CODEC_KEYS: undefined, PATH: '/bin' })).toEqual(['TEMPORAL_API_KEY']);
  });
});
