import fc from 'fast-check';
import { isSecretMarker, redactActionResult, redactAt, secretOutputPaths, SECRET_MARKER } from '../../src/attune/result-redaction';
import { ownValue, pointerTokens } from '../../src/attune/own-keys';

describe('secret output redaction', () => {
  it('finds secret fields in flat and JSON Schema out_schemas', () => {
    expect(secretOutputPaths({ token: { type: 'string', secret: true }, user: { type: 'string' } })).toEqual(['/token']);
    expect(
      secretOutputPaths({ type: 'object', properties: { auth: { type: 'object', properties: { 'pass/word': { type: 'string', secret: true } } }, id: { type: 'number' } } }),
    ).toEqual(['/auth/pass~1word']);
    expect(secretOutputPaths(null)).toEqual([]);
  });

  it('replaces present values with the marker and returns them; absent paths are skipped', () => {
    const { redacted, taken } = redactAt({ token: 's3', user: 'u', auth: { 'pass/word': 'p' } }, ['/token', '/auth/pass~1word', '/missing']);
    expect(redacted).toEqual({ token: SECRET_MARKER, user: 'u', auth: { 'pass/word': SECRET_MARKER } });
    expect([...taken.entries()]).toEqual([['/token', 's3'], ['/auth/pass~1word', 'p']]);
  });
});

/** Attune's `redact_action_result` (crates/common/src/secret_values.rs), as the worker applies it to every result. */
describe('redacting a whole action result', () => {
  const parameterRef = (paths: string[]) => JSON.stringify({ origins: paths.map((path) => ({ kind: 'entity', entity_type: 'execution_config', entity_id: 42, path })), templates: [] });
  const schemaRef = (path: string) => JSON.stringify({ origins: [{ kind: 'local', source_kind: 'parameter_schema', source_ref: path }], templates: [] });

  it("with secret parameters: stdout and error go whole, data keeps what out_schema doesn't mark (Attune uses parameter paths as provenance only)", () => {
    const { result, taken } = redactActionResult(
      { succeeded: false, exit_code: 1, error: 'bad password hunter2', stdout: 'login with hunter2\n', stderr_log: '/a/stderr.log', data: { password: 'hunter2', ok: false } },
      { outSchemaPaths: [], parameterPaths: ['/password'], executionId: 42 },
    );
    expect(result).toEqual({ succeeded: false, exit_code: 1, error: SECRET_MARKER, stdout: SECRET_MARKER, stderr_log: '/a/stderr.log', data: { password: 'hunter2', ok: false } });
    expect(taken).toEqual([
      { jsonPath: '/stdout', value: 'login with hunter2\n', sourceRef: parameterRef(['/password']) },
      { jsonPath: '/error', value: 'bad password hunter2', sourceRef: parameterRef(['/password']) },
    ]);
  });

  it('out_schema secrets are taken from data under /data, and stdout and error go with them', () => {
    const { result, taken } = redactActionResult(
      { succeeded: true, data: { token: 't', user: 'u', queue_ack: { token: 'q' } }, queue_ack: { token: 'q' }, stdout: '{"token":"t"}' },
      { outSchemaPaths: ['/token', '/queue_ack'], parameterPaths: [], executionId: 42 },
    );
    expect(result).toEqual({ succeeded: true, data: { token: SECRET_MARKER, user: 'u', queue_ack: SECRET_MARKER }, queue_ack: SECRET_MARKER, stdout: SECRET_MARKER });
    expect(taken.map((t) => [t.jsonPath, t.sourceRef])).toEqual([
      ['/data/token', schemaRef('/token')],
      ['/data/queue_ack', schemaRef('/queue_ack')],
      ['/stdout', schemaRef('/stdout')],
    ]);
  });

  it('with both, every taken value names the parameters it may carry', () => {
    const { taken } = redactActionResult({ data: { token: 't' }, error: 'e' }, { outSchemaPaths: ['/token'], parameterPaths: ['/a', '/b'], executionId: 42 });
    expect(taken.map((t) => [t.jsonPath, t.sourceRef])).toEqual([['/data/token', parameterRef(['/a', '/b'])], ['/error', parameterRef(['/a', '/b'])]]);
  });

  it('without secrets nothing changes; null, absent or already-redacted text is left alone', () => {
    const plain = { succeeded: true, stdout: 'hello', error: 'x' };
    expect(redactActionResult(plain, { outSchemaPaths: [], parameterPaths: [], executionId: 42 })).toEqual({ result: plain, taken: [] });
    const { result, taken } = redactActionResult({ error: null, stdout: { ...SECRET_MARKER } }, { outSchemaPaths: [], parameterPaths: ['/p'], executionId: 42 });
    expect(result).toEqual({ error: null, stdout: SECRET_MARKER });
    expect(taken).toEqual([]);
  });

  it('does not change the result it is given', () => {
    const input = { stdout: 's', data: { token: 't' } };
    redactActionResult(input, { outSchemaPaths: ['/token'], parameterPaths: ['/p'], executionId: 42 });
    expect(input).toEqual({ stdout: 's', data: { token: 't' } });
  });

  const valueAt = (doc: unknown, pointer: string): unknown =>
    pointerTokens(pointer).reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? ownValue(node, key) : undefined), doc);
  const key = fc.constantFrom('token', 'user', 'pass/word', '~x', '__proto__', 'constructor', '0');
  const leaf = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
  const data = fc.dictionary(key, fc.oneof(leaf, fc.dictionary(key, leaf, { maxKeys: 3 })), { maxKeys: 4 });
  const pointer = fc.array(key, { minLength: 1, maxLength: 2 }).map((keys) => keys.map((k) => `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`).join(''));
  const flatten = (doc: unknown, prefix = ''): Map<string, unknown> => {
    const out = new Map<string, unknown>();
    if (doc === null || typeof doc !== 'object') return out.set(prefix, doc);
    for (const k of Object.keys(doc)) for (const [p, v] of flatten(ownValue(doc, k), `${prefix}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`)) out.set(p, v);
    return prefix === '' || out.size > 0 ? out : out.set(prefix, doc);
  };

  it('property: a redacted path holds the marker and its old value is what was taken; no other path changes', () => {
    fc.assert(
      fc.property(data, fc.uniqueArray(pointer, { maxLength: 3 }), fc.array(pointer, { maxLength: 2 }), fc.option(fc.string(), { nil: undefined }), (d, outPaths, paramPaths, stdout) => {
        // A path nested under another secret path cannot come from a schema (secretOutputPaths stops at `secret`).
        const roots = outPaths.filter((p) => !outPaths.some((q) => q !== p && p.startsWith(`${q}/`)));
        const input: Record<string, unknown> = { data: d, ...(stdout === undefined ? {} : { stdout }) };
        const before = JSON.parse(JSON.stringify(input)) as Record<string, unknown>;
        const { result, taken } = redactActionResult(input, { outSchemaPaths: roots, parameterPaths: paramPaths, executionId: 7 });
        const takenPaths = new Set(taken.map((t) => t.jsonPath));
        for (const t of taken) {
          expect(isSecretMarker(valueAt(result, t.jsonPath))).toBe(true);
          expect(t.value).toEqual(valueAt(before, t.jsonPath));
        }
        for (const p of roots) if (valueAt(before, `/data${p}`) !== undefined) expect(takenPaths.has(`/data${p}`)).toBe(true);
        const secretRun = roots.length > 0 || paramPaths.length > 0;
        expect(takenPaths.has('/stdout')).toBe(secretRun && stdout !== undefined);
        for (const [p, v] of flatten(before)) {
          if ([...takenPaths].some((t) => p === t || p.startsWith(`${t}/`))) continue;
          expect(valueAt(result, p)).toEqual(v);
        }
        expect(input).toEqual(before);
      }),
      { numRuns: 300 },
    );
  });
});
