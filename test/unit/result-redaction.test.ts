import { redactAt, secretOutputPaths, SECRET_MARKER } from '../../src/attune/result-redaction';

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
