import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AGENT_VERSION } from '../src/version';
import { tokenAllowed } from './token-check';

export interface AgentBinaryConfig {
  /** Where `attune-temporal bundle` wrote agent-<arch>.tar.gz and its .sha256 (Attune's agent.binary_dir). */
  binaryDir: string;
  /** ATTUNE__AGENT__BOOTSTRAP_TOKEN; unset: the download endpoints answer 503, as Attune's do. */
  bootstrapToken: string | undefined;
}

const ARCHES: Record<string, 'x86_64' | 'aarch64'> = { x86_64: 'x86_64', aarch64: 'aarch64', arm64: 'aarch64' };
const tarball = (dir: string, arch: string) => path.join(dir, `agent-${arch}.tar.gz`);

/**
 * Attune-compatible agent download (`GET /api/v1/agent/binary?arch=`, header X-Agent-Token, arm64 alias,
 * 400 for an unknown arch), serving our bundle as a gzip tarball (busybox has no zstd), plus
 * `/api/v1/agent/binary.sha256` for the wrapper's check and the open `/api/v1/agent/info`.
 * Returns false when the path is not one of these.
 */
export function handleAgentBinary(config: AgentBinaryConfig, url: URL, req: IncomingMessage, res: ServerResponse): boolean {
  if (url.pathname === '/api/v1/agent/info') {
    const architectures = ['x86_64', 'aarch64'].map((arch) => {
      const file = tarball(config.binaryDir, arch);
      return { arch, size_bytes: existsSync(file) ? statSync(file).size : 0, available: existsSync(file) };
    });
    json(res, 200, { architectures, version: AGENT_VERSION });
    return true;
  }
  const checksum = url.pathname === '/api/v1/agent/binary.sha256';
  if (url.pathname !== '/api/v1/agent/binary' && !checksum) return false;
  if (!config.bootstrapToken) return json(res, 503, { error: 'agent bootstrap token is not configured' }), true;
  const given = req.headers['x-agent-token'];
  if (!tokenAllowed([config.bootstrapToken], typeof given === 'string' ? given : undefined)) return json(res, 401, { error: 'invalid agent token' }), true;
  const arch = ARCHES[url.searchParams.get('arch') ?? 'x86_64'];
  if (!arch) return json(res, 400, { error: 'unsupported arch: use x86_64, aarch64 or arm64' }), true;
  const file = tarball(config.binaryDir, arch);
  if (!existsSync(file) || !existsSync(`${file}.sha256`)) return json(res, 404, { error: `no agent bundle for ${arch}` }), true;
  // Token-gated: no shared cache may keep it.
  res.setHeader('Cache-Control', 'private, no-store');
  if (checksum) {
    res.setHeader('Content-Type', 'text/plain');
    res.end(`${readFileSync(`${file}.sha256`, 'utf8').trim().split(/\s+/)[0]}  attune-agent.tar.gz\n`);
    return true;
  }
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/octet-stream');
  res.setHeader('Content-Disposition', 'attachment; filename="attune-agent"');
  res.setHeader('Content-Length', statSync(file).size);
  // A tarball that cannot be read (removed, unreadable, a disk error) ends this response, never the bridge.
  const stream = createReadStream(file);
  stream.once('error', () => {
    if (res.headersSent) return void res.destroy();
    res.removeHeader('Content-Length');
    res.removeHeader('Content-Disposition');
    json(res, 500, { error: 'agent bundle unreadable' });
  });
  stream.pipe(res);
  return true;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(body));
}
