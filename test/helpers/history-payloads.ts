import { existsSync } from 'node:fs';

/** A payload as `temporal workflow show --output json` prints it (base64 metadata values and data). */
export type JsonPayload = { metadata: Record<string, string>; data: string };

/** Every payload anywhere in a JSON history. */
export function payloadsIn(node: unknown, out: JsonPayload[] = []): JsonPayload[] {
  if (Array.isArray(node)) node.forEach((n) => payloadsIn(n, out));
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.metadata && typeof o.data === 'string') out.push(o as JsonPayload);
    else Object.values(o).forEach((v) => payloadsIn(v, out));
  }
  return out;
}

export function findEncryptedPayload(history: unknown): JsonPayload | undefined {
  return payloadsIn(history).find((p) => Buffer.from(p.metadata.encoding ?? '', 'base64').toString() === 'binary/encrypted');
}

/** The history's payloads decoded by a codec endpoint (as the Temporal UI asks it), as text. */
export async function decodeAll(codecUrl: string, history: unknown, headers: Record<string, string> = {}): Promise<string[]> {
  const res = await fetch(codecUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ payloads: payloadsIn(history) }) });
  if (!res.ok) throw new Error(`codec endpoint answered ${res.status}`);
  const body = (await res.json()) as { payloads: JsonPayload[] };
  return body.payloads.map((p) => Buffer.from(p.data, 'base64').toString());
}

/** The Temporal CLI the suite built (scripts/services.sh). */
export function temporalCli(): string {
  const cache = process.env.ATTUNE_TEMPORAL_CACHE ?? '/var/cache/attune-temporal';
  return [`${cache}/bin/temporal`, `${cache}/venv/bin/temporal`].find((p) => existsSync(p))!;
}
