import { readFileSync } from 'node:fs';
import { ensureRootfs } from '../helpers/rootfs';
import { RootfsDeployment } from '../helpers/rootfs-deployment';
import { TEST_CODEC_KEYS } from '../helpers/services';

/**
 * An action of the agent's own uid hunting for the agent's secrets: the launcher keeps them out of node's
 * environment block (a pipe), wipes them from its own, and both processes are non-dumpable, so /proc gives the
 * action neither the environment nor the descriptors nor the memory maps of either.
 */
const OTLP_TOKEN = 'otlp-collector-token-5e1f';
const POOL_KEYS = `rootfs-pool-key:${Buffer.alloc(32, 9).toString('base64')}`;

describe('the agent\'s secrets against an action of the same uid', () => {
  const r = new RootfsDeployment();
  beforeAll(async () => {
    await r.setup();
    // A collector token in the OTLP headers is one of the agent's secrets too (tracing stays off: no endpoint).
    await r.startAgent(ensureRootfs('busybox'), { args: ['--user=65532:65532'], env: { OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer ${OTLP_TOKEN}`, ATTUNE_AGENT_POOL_KEYS: POOL_KEYS } });
  }, 120_000);
  afterAll(() => r.teardown(), 120_000);

  it('finds them in no /proc entry, while the agent works with them', async () => {
    const needle = `${TEST_CODEC_KEYS.split(':')[0]}:`;
    const id = await r.d.dispatch('rootfs.hunt_secrets', { needle });
    const row = await r.d.waitForCompletion(id, 60_000);
    expect(row.status).toBe('completed'); // the agent decrypted the run spec with the keys it got on the pipe
    const data = row.result!.data as { found: string; readable: string; uid: string; control: string };
    expect(data.uid).toBe('65532');
    // Only the hunt's own control process (the needle in its environment on purpose) is found: the hunt works.
    expect(data.found).toBe(`${data.control}/environ`);
    expect(data.readable).toBe('');
    expect(r.agentEnv().ATTUNE_TEMPORAL_CODEC_KEYS).toContain(needle);
    // Dropped to 65532 by --user, the agent cannot give actions their own uid: it said so once, at start.
    expect((r.agent!.stdout + r.agent!.stderr).match(/actions run as the agent's own uid 65532 \(the agent runs as uid 65532 without CAP_SETUID and CAP_SETGID/g)).toHaveLength(1);
    // Seen as root from outside: neither environment block holds them (the launcher wiped its own in place).
    for (const pid of [r.agent!.launcherPid()!, r.agent!.agentPid()!]) {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      expect(environ).not.toContain(needle);
      expect(environ).not.toContain(OTLP_TOKEN);
      expect(environ).not.toContain('rootfs-pool-key');
    }
  });
});
