import { readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { TestDeployment } from '../helpers/deployment';
import { testCodec } from '../helpers/services';
import { AUDIENCE, TestIssuer } from '../helpers/test-issuer';

/**
 * A bridge in OIDC mode: the Temporal UI forwards the signed-in user's access token, and the codec endpoint opens
 * payloads only for a token the issuer (a stand-in on 127.0.0.1, its keys discovered) signed for the UI's audience.
 */
describe('the codec endpoint with ATTUNE_TEMPORAL_CODEC_AUTH=oidc', () => {
  const d = new TestDeployment();
  const idp = new TestIssuer();
  beforeAll(async () => {
    await idp.start();
    await d.setup({
      agent: false,
      bridgeEnv: {
        ATTUNE_TEMPORAL_CODEC_AUTH: 'oidc',
        ATTUNE_TEMPORAL_CODEC_OIDC_ISSUER: idp.issuer,
        ATTUNE_TEMPORAL_CODEC_OIDC_AUDIENCE: AUDIENCE,
        ATTUNE_TEMPORAL_CODEC_OIDC_REQUIRED_CLAIM: 'groups=attune-operators',
        ATTUNE_TEMPORAL_LOG_LEVEL: 'debug',
      },
    });
  }, 120_000);
  afterAll(async () => {
    await d.teardown();
    await idp.stop();
  });

  it('decodes for a valid access token, answers 401 to an invalid one and to the static token', async () => {
    const codec = testCodec();
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload({ actionRef: 'tests.ok_json' })]);
    const body = JSON.stringify({ payloads: [{ metadata: Object.fromEntries(Object.entries(sealed!.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])), data: Buffer.from(sealed!.data!).toString('base64') }] });
    const decode = (authorization: string) => fetch(`http://127.0.0.1:${d.httpPort}/codec/decode`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body });

    const token = await idp.token();
    const ok = await decode(`Bearer ${token}`);
    expect(ok.status).toBe(200);
    const [payload] = ((await ok.json()) as { payloads: { data: string }[] }).payloads;
    expect(JSON.parse(Buffer.from(payload!.data, 'base64').toString())).toEqual({ actionRef: 'tests.ok_json' });

    expect((await decode(`Bearer ${await idp.token({}, { aud: 'another-app' })}`)).status).toBe(401);
    expect((await decode(`Bearer ${await idp.token({ groups: ['everyone'] })}`)).status).toBe(401);
    expect((await decode('Bearer operator-token')).status).toBe(401); // TestDeployment's static token counts for nothing here

    // The person is in the bridge's log (debug), their token is not.
    const log = readFileSync(path.join(d.dir, 'bridge.log'), 'utf8');
    expect(log).toContain('"subject":"alice@example.com"');
    expect(log).not.toContain(token);
  });
});
