import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { attuneKeyHash, decryptAttuneJson } from '../../src/attune/crypto';
import { TestDeployment, TEST_ATTUNE_ENCRYPTION_KEY, TEST_CODEC_TOKEN, eventually } from '../helpers/deployment';
import { decodeAll, findEncryptedPayload, temporalCli } from '../helpers/history-payloads';

const vectors = JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'vectors', 'attune-crypto.json'), 'utf8')) as {
  vectors: { value: unknown; encrypted_value: string }[];
};
const SECRET = 's3cr3t-p@ss';

/** Attune's master key stays in the bridge; the agent only ever sees the secret inside encrypted payloads. */
describe('a secret parameter', () => {
  const d = new TestDeployment();
  beforeAll(() => d.setup(), 120_000);
  afterAll(() => d.teardown());

  it('reaches the action and nothing else: not the logs, not the history, not the agent environment', async () => {
    const vector = vectors.vectors.find((v) => v.value === SECRET)!;
    const id = await d.createExecution('tests.secret_check', { user: 'svc', password: { $attune_secret: true, redacted: true } });
    await d.addSecretParameter(id, '/password', vector.encrypted_value);
    const identity = await d.db.query<{ id: string }>(`INSERT INTO identity (login) VALUES ('operator') RETURNING id`);
    await d.db.query(`UPDATE execution SET permission_set_refs = '{ops}', executor = $2 WHERE id = $1`, [id, identity.rows[0]!.id]);
    await d.publish(`execution.dispatch.worker.${d.workerId}`, d.dispatchEnvelope(id, 'tests.secret_check'));
    const row = await d.waitForCompletion(id);
    expect(row.status).toBe('completed');
    await eventually(async () => (existsSync(`${d.markerDir}/secret.${id}`) ? true : undefined), 5000, 'marker');
    expect(readFileSync(`${d.markerDir}/secret.${id}`, 'utf8')).toBe(SECRET);
    const token = readFileSync(`${d.markerDir}/token.${id}`, 'utf8');
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ sub: identity.rows[0]!.id, login: `execution:${id}`, token_type: 'execution', scope: 'execution' });

    const rawHistory = execFileSync(temporalCli(), ['workflow', 'show', '--workflow-id', d.workflowId(id), '--address', '127.0.0.1:7233', '--output', 'json']).toString();
    expect(rawHistory.length).toBeGreaterThan(1000);
    for (const leak of [SECRET, Buffer.from(SECRET).toString('base64'), 'password']) expect(rawHistory).not.toContain(leak);
    for (const log of ['agent-0.log', 'bridge.log']) expect(readFileSync(path.join(d.dir, log), 'utf8')).not.toContain(SECRET);
    expect(JSON.stringify(row.result)).not.toContain(SECRET);

    // Authorized operators (the Temporal UI's codec endpoint) can read payloads; nobody else can (and the token-in-path
    // form is off unless ATTUNE_TEMPORAL_CODEC_PATH_TOKENS=true, the local dev stack's setting).
    const encrypted = findEncryptedPayload(JSON.parse(rawHistory));
    const codecUrl = `http://127.0.0.1:${d.httpPort}/codec/decode`;
    const denied = await fetch(codecUrl, { method: 'POST', body: JSON.stringify({ payloads: [encrypted] }) });
    expect(denied.status).toBe(401);
    const wrong = await fetch(codecUrl, { method: 'POST', headers: { authorization: 'Bearer nope' }, body: JSON.stringify({ payloads: [encrypted] }) });
    expect(wrong.status).toBe(401);
    const inPath = await fetch(`http://127.0.0.1:${d.httpPort}/codec/${TEST_CODEC_TOKEN}/decode`, { method: 'POST', body: JSON.stringify({ payloads: [encrypted] }) });
    expect(inPath.status).toBe(401);
    const decoded = (await (await fetch(codecUrl, { method: 'POST', headers: { authorization: `Bearer ${TEST_CODEC_TOKEN}` }, body: JSON.stringify({ payloads: [encrypted] }) })).json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(Buffer.from(decoded.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
    const runInputs = JSON.stringify(await decodeAll(codecUrl, JSON.parse(rawHistory), { authorization: `Bearer ${TEST_CODEC_TOKEN}` }));
    expect(runInputs).toContain(SECRET); // the run's input carries it, encrypted at rest

    const agentEnviron = readFileSync(`/proc/${d.agents[0]!.pid}/environ`, 'utf8');
    expect(agentEnviron).not.toContain(TEST_ATTUNE_ENCRYPTION_KEY);
    expect(agentEnviron).not.toContain('ATTUNE__DATABASE__URL');
    expect(agentEnviron).not.toContain('ATTUNE__MESSAGE_QUEUE__URL');
  });

  it("a secret in the output (out_schema secret: true) is stored encrypted and redacted from the row and the bus", async () => {
    await d.db.query(`UPDATE action SET out_schema = $1 WHERE ref = 'tests.secret_out'`, [JSON.stringify({ token: { type: 'string', secret: true }, user: { type: 'string' } })]);
    const id = await d.dispatch('tests.secret_out');
    const row = await d.waitForCompletion(id);
    expect(row.status).toBe('completed');
    expect(row.result!.data).toEqual({ token: { $attune_secret: true, redacted: true }, user: 'svc' });
    expect(JSON.stringify(d.messagesFor(id))).not.toContain('tok-secret-123');
    const stored = await d.db.query<{ json_path: string; encrypted_value: string; encryption_key_hash: string }>(
      `SELECT json_path, encrypted_value, encryption_key_hash FROM execution_secret_value WHERE entity_type = 'execution_result' AND entity_id = $1`,
      [id],
    );
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0]!.json_path).toBe('/data/token');
    expect(decryptAttuneJson(stored.rows[0]!.encrypted_value, TEST_ATTUNE_ENCRYPTION_KEY)).toBe('tok-secret-123');
    expect(stored.rows[0]!.encryption_key_hash).toBe(attuneKeyHash(TEST_ATTUNE_ENCRYPTION_KEY));
  });

  it('output that may echo a secret parameter (stdout, error) is stored encrypted and redacted from the row, the bus and the log, as Attune does', async () => {
    const vector = vectors.vectors.find((v) => v.value === SECRET)!;
    const id = await d.createExecution('tests.secret_echo', { user: 'svc', password: { $attune_secret: true, redacted: true } });
    await d.addSecretParameter(id, '/password', vector.encrypted_value);
    await d.publish(`execution.dispatch.worker.${d.workerId}`, d.dispatchEnvelope(id, 'tests.secret_echo'));
    const row = await d.waitForCompletion(id);
    expect(row.status).toBe('failed');
    const marker = { $attune_secret: true, redacted: true };
    expect(row.result).toMatchObject({ succeeded: false, exit_code: 1, stdout: marker, error: marker });
    const stored = await d.db.query<{ json_path: string; source_kind: string; source_ref: string; encrypted_value: string; encryption_key_hash: string }>(
      `SELECT json_path, source_kind, source_ref, encrypted_value, encryption_key_hash FROM execution_secret_value
        WHERE entity_type = 'execution_result' AND entity_id = $1 ORDER BY json_path`,
      [id],
    );
    expect(stored.rows.map((r) => [r.json_path, decryptAttuneJson(r.encrypted_value, TEST_ATTUNE_ENCRYPTION_KEY)])).toEqual([
      ['/error', `login refused for ${SECRET}\n`],
      ['/stdout', `connecting with ${SECRET}\n`],
    ]);
    for (const r of stored.rows) {
      expect(r).toMatchObject({ source_kind: 'provenance', encryption_key_hash: attuneKeyHash(TEST_ATTUNE_ENCRYPTION_KEY) });
      expect(JSON.parse(r.source_ref)).toEqual({ origins: [{ kind: 'entity', entity_type: 'execution_config', entity_id: id, path: '/password' }], templates: [] });
    }
    expect(JSON.stringify(row.result)).not.toContain(SECRET);
    expect(JSON.stringify(d.messagesFor(id))).not.toContain(SECRET);
    expect(readFileSync(path.join(d.dir, 'bridge.log'), 'utf8')).not.toContain(SECRET);
  });

  it('a secret the bridge cannot decrypt fails the execution clearly before anything runs, after marking it running as Attune does', async () => {
    const id = await d.createExecution('tests.secret_check', { password: { $attune_secret: true, redacted: true } });
    await d.addSecretParameter(id, '/password', 'AAAA', 'ffff');
    await d.publish(`execution.dispatch.worker.${d.workerId}`, d.dispatchEnvelope(id, 'tests.secret_check'));
    const row = await d.waitForCompletion(id);
    expect(row.status).toBe('failed');
    // The execution has a secret parameter, so Attune stores its error encrypted (redact_action_result).
    expect(row.result!.error).toEqual({ $attune_secret: true, redacted: true });
    const stored = await d.db.query<{ encrypted_value: string }>(
      `SELECT encrypted_value FROM execution_secret_value WHERE entity_type = 'execution_result' AND entity_id = $1 AND json_path = '/error'`,
      [id],
    );
    expect(decryptAttuneJson(stored.rows[0]!.encrypted_value, TEST_ATTUNE_ENCRYPTION_KEY)).toBe(`Failed to prepare execution context: Internal error: Failed to restore secret parameters for execution ${id}: Encryption error: Encryption key hash mismatch for secret path '/password'`);
    // As Attune's worker: running first (started_at set, the status message published), then failed.
    expect(row.started_at).not.toBeNull();
    expect(d.messagesFor(id, 'ExecutionStatusChanged').map((m) => m.payload.new_status)).toEqual(['running', 'failed']);
    expect(existsSync(`${d.markerDir}/secret.${id}`)).toBe(false);
  });
});

