import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launcherToReexec } from '../../activities/agent/launcher-reexec';

/** A bundle layout: <dir>/bin/node, <dir>/agent.js, <dir>/attune-agent (executable). */
function bundle(withLauncher = true): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bundle-'));
  mkdirSync(path.join(dir, 'bin'));
  writeFileSync(path.join(dir, 'agent.js'), '');
  if (withLauncher) {
    writeFileSync(path.join(dir, 'attune-agent'), '');
    chmodSync(path.join(dir, 'attune-agent'), 0o755);
  }
  return dir;
}

describe('re-executing through the launcher', () => {
  const secrets = { ATTUNE_TEMPORAL_CODEC_KEYS: 'k1:abc', PATH: '/bin' };

  it('the bundle\'s node on its agent.js, with credentials in the environment: the launcher beside them', () => {
    const dir = bundle();
    expect(launcherToReexec(secrets, path.join(dir, 'bin', 'node'), path.join(dir, 'agent.js'))).toBe(path.join(dir, 'attune-agent'));
  });

  it('never when the launcher started us (no loop), nor without credentials, nor outside the bundle', () => {
    const dir = bundle();
    const node = path.join(dir, 'bin', 'node');
    const script = path.join(dir, 'agent.js');
    expect(launcherToReexec({ ...secrets, ATTUNE_AGENT_ORIGINAL_ENV_JSON: '{}' }, node, script)).toBeNull();
    expect(launcherToReexec({ ...secrets, ATTUNE_AGENT_SECRETS_FD: '3' }, node, script)).toBeNull();
    expect(launcherToReexec({ PATH: '/bin', ATTUNE_TEMPORAL_CODEC_KEYS_FILE: '/keys' }, node, script)).toBeNull();
    expect(launcherToReexec(secrets, '/usr/bin/node', script)).toBeNull(); // the dev CLI on the host's node
    expect(launcherToReexec(secrets, node, '/work/dist/src/cli/main.js')).toBeNull();
    const noLauncher = bundle(false);
    expect(launcherToReexec(secrets, path.join(noLauncher, 'bin', 'node'), path.join(noLauncher, 'agent.js'))).toBeNull();
  });
});
