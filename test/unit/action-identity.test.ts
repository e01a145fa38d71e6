import { canChangeUid, decideActionIdentity } from '../../activities/agent/action-identity';
import { loadAgentConfig } from '../../src/config';

const status = (capEff: string) => `Name:\tnode\nUid:\t0\t0\t0\t0\nCapEff:\t${capEff}\n`;
const ROOT_CAPS = status('000001ffffffffff');
const NO_CAPS = status('0000000000000000');
const SETUID_ONLY = status('0000000000000080');

describe('who actions run as', () => {
  it('reads CAP_SETUID and CAP_SETGID from CapEff', () => {
    expect(canChangeUid(ROOT_CAPS)).toBe(true);
    expect(canChangeUid(status('00000000000000c0'))).toBe(true);
    expect(canChangeUid(SETUID_ONLY)).toBe(false);
    expect(canChangeUid(NO_CAPS)).toBe(false);
    expect(canChangeUid('Name:\tnode\n')).toBe(false);
  });

  it('a privileged agent runs actions under the setting (nobody by default)', () => {
    const setting = loadAgentConfig({}).actionUser;
    expect(setting).toEqual({ kind: 'user', uid: 65534, gid: 65534 });
    expect(decideActionIdentity(setting, { uid: 0, gid: 0 }, ROOT_CAPS)).toEqual({ identity: { uid: 65534, gid: 65534 }, sameUidBecause: null });
  });

  it('an agent that cannot change uid keeps its own and says why', () => {
    const d = decideActionIdentity({ kind: 'user', uid: 65534, gid: 65534 }, { uid: 65532, gid: 65532 }, NO_CAPS);
    expect(d.identity).toBeNull();
    expect(d.sameUidBecause).toMatch(/uid 65532 without CAP_SETUID and CAP_SETGID/);
    expect(decideActionIdentity({ kind: 'user', uid: 0, gid: 0 }, { uid: 0, gid: 0 }, SETUID_ONLY).identity).toBeNull();
  });

  it('`same` keeps Attune\'s native behaviour', () => {
    const setting = loadAgentConfig({ ATTUNE_AGENT_ACTION_USER: 'same' }).actionUser;
    expect(decideActionIdentity(setting, { uid: 0, gid: 0 }, ROOT_CAPS)).toEqual({ identity: null, sameUidBecause: 'ATTUNE_AGENT_ACTION_USER=same' });
  });

  it.each(['nobody', '65534', '-1:0', '1:2:3', '99999999999:0'])('rejects %s', (value) => {
    expect(() => loadAgentConfig({ ATTUNE_AGENT_ACTION_USER: value })).toThrow(/ATTUNE_AGENT_ACTION_USER is invalid: use UID:GID/);
  });
});
