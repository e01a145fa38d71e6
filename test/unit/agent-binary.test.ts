import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { handleAgentBinary } from '../../bridge/agent-binary';

/** The token-gated bundle download: never cached by a shared cache, and an unreadable tarball ends only its response. */
describe('agent bundle download', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agent-binary-'));
  let server: Server;
  let base = '';
  beforeAll(async () => {
    writeFileSync(path.join(dir, 'agent-x86_64.tar.gz'), 'tarball-bytes');
    writeFileSync(path.join(dir, 'agent-x86_64.tar.gz.sha256'), 'abc  agent-x86_64.tar.gz\n');
    mkdirSync(path.join(dir, 'agent-aarch64.tar.gz')); // exists, but reading it fails (EISDIR)
    writeFileSync(path.join(dir, 'agent-aarch64.tar.gz.sha256'), 'def  agent-aarch64.tar.gz\n');
    server = createServer((req, res) => {
      if (!handleAgentBinary({ binaryDir: dir, bootstrapToken: 'tok' }, new URL(req.url!, 'http://x'), req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const get = (p: string, token = 'tok') => fetch(`${base}${p}`, { headers: { 'x-agent-token': token } });

  it('serves the tarball and its checksum as private, no-store', async () => {
    const r = await get('/api/v1/agent/binary?arch=x86_64');
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('tarball-bytes');
    expect(r.headers.get('cache-control')).toBe('private, no-store');
    const c = await get('/api/v1/agent/binary.sha256?arch=x86_64');
    expect(c.headers.get('cache-control')).toBe('private, no-store');
    expect(await c.text()).toBe('abc  attune-agent.tar.gz\n');
  });

  it('answers 500 for a tarball it cannot read, and keeps serving', async () => {
    const r = await get('/api/v1/agent/binary?arch=aarch64');
    expect(r.status).toBe(500);
    expect(await r.json()).toEqual({ error: 'agent bundle unreadable' });
    expect((await get('/api/v1/agent/binary?arch=x86_64')).status).toBe(200);
  });

  it('refuses a wrong token', async () => {
    expect((await get('/api/v1/agent/binary', 'nope')).status).toBe(401);
  });
});
