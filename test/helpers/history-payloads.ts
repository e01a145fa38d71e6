import { existsSync } from 'node:fs';
import type { Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { EncryptionCodec } from '../../src/temporal/payload-codec';

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

/** Every payload in a history fetched with the Temporal client (protos: bytes, not base64). */
function protoPayloadsIn(node: unknown, out: Payload[] = []): Payload[] {
  if (Array.isArray(node)) node.forEach((n) => protoPayloadsIn(n, out));
  else if (node && typeof node === 'object' && !(node instanceof Uint8Array)) {
    const o = node as Record<string, unknown>;
    if (o.metadata && o.data instanceof Uint8Array) out.push(o);
    else Object.values(o).forEach((v) => protoPayloadsIn(v, out));
  }
  return out;
}

/** The history's payloads decoded with `codec` (as a holder of that codec key reads them), as text. */
export async function decodeHistoryWith(codec: EncryptionCodec, history: temporal.api.history.v1.IHistory): Promise<string[]> {
  const decoded = await codec.decode(protoPayloadsIn(history.events ?? []));
  return decoded.map((p) => Buffer.from(p.data ?? []).toString());
}
