import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { Logger } from '../src/log';
import { handleAgentBinary, type AgentBinaryConfig } from './agent-binary';
import type { Health } from './health';
import type { BridgeMetrics } from './metrics';
import type { CodecAuth } from './codec-auth';

export interface HttpDeps {
  codec: PayloadCodec;
  agentBinary: AgentBinaryConfig;
  /** Who may see decoded payloads in the Temporal UI (ATTUNE_TEMPORAL_CODEC_AUTH: tokens, oidc or proxy). */
  codecAuth: CodecAuth;
  corsOrigins: string[];
  health: Health;
  log: Logger;
  /** Served at `/metrics` (Prometheus text format). */
  metrics: Pick<BridgeMetrics, 'expose'>;
}

type JsonPayload = { metadata?: Record<string, string>; data?: string };
const MAX_BODY = 8 * 1024 * 1024;

/**
 * The bridge's HTTP endpoint: a Temporal UI codec server (`/codec/encode`, `/codec/decode`) for
 * authorized operators only, the agent download (Attune-compatible), readiness (`/readyz`: 503 until AMQP,
 * PostgreSQL and Temporal all answer), liveness (`/livez`, and `/healthz` as before) and Prometheus metrics
 * (`/metrics`: counts and durations, nothing about an execution's content). Codec requests are authenticated by
 * `deps.codecAuth` (static tokens, a verified OIDC access token, or an authenticating proxy's user header); the
 * path form `/codec/<token>/decode` only where path tokens are on (the local dev stack).
 */
export function createHttpServer(deps: HttpDeps): Server {
  return createServer((req, res) => {
    handle(deps, req, res).catch((err: unknown) => {
      deps.log.warn({ err }, 'http request failed');
      send(res, 500, { error: 'internal error' });
    });
  });
}

async function handle(deps: HttpDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://bridge');
  const origin = req.headers.origin;
  if (origin && deps.corsOrigins.includes(origin)) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Access-Control-Allow-Headers', 'authorization, content-type, x-namespace');
    res.setHeader('Vary', 'Origin');
  }
  if (req.method === 'OPTIONS') return send(res, 204);
  if (url.pathname === '/livez' || url.pathname === '/healthz') {
    const live = deps.health.live();
    return send(res, live.live ? 200 : 503, live);
  }
  if (url.pathname === '/readyz') {
    const ready = await deps.health.readiness();
    return send(res, ready.ready ? 200 : 503, ready);
  }
  if (url.pathname === '/metrics' && req.method === 'GET') {
    const { contentType, body } = await deps.metrics.expose();
    res.statusCode = 200;
    res.setHeader('Content-Type', contentType);
    return void res.end(body);
  }
  if (req.method === 'GET' && handleAgentBinary(deps.agentBinary, url, req, res)) return;
  const codec = /^\/codec(?:\/([^/]+))?\/(encode|decode)$/.exec(url.pathname);
  if (!codec) return send(res, 404, { error: 'not found' });
  if (req.method !== 'POST') return send(res, 405, { error: 'use POST' });
  const auth = await deps.codecAuth.authenticate({ headers: req.headers, pathToken: codec[1] });
  if (!auth.ok) {
    deps.log.debug({ mode: deps.codecAuth.mode, op: codec[2], reason: auth.reason, status: auth.status }, 'codec request refused');
    return send(res, auth.status, { error: auth.status === 401 ? 'not authorized' : 'cannot verify the access token now' });
  }
  // Who read which kind of request, for the audit trail; the credential itself is never logged.
  deps.log.debug({ mode: deps.codecAuth.mode, op: codec[2], subject: auth.subject }, 'codec request authorized');
  const body = JSON.parse(await readBody(req)) as { payloads?: JsonPayload[] };
  const payloads = (body.payloads ?? []).map(fromJson);
  const out = codec[2] === 'encode' ? await deps.codec.encode(payloads) : await deps.codec.decode(payloads);
  send(res, 200, { payloads: out.map(toJson) });
}

function fromJson(p: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(p.data ?? '', 'base64'),
  };
}

function toJson(p: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')])),
    data: Buffer.from(p.data ?? []).toString('base64'),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  res.statusCode = status;
  if (body === undefined) return void res.end();
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(body));
}
