import net from 'node:net';
import { chromium, type Browser } from 'playwright-core';

export const TEMPORAL_UI_URL = process.env.TEMPORAL_UI_URL ?? `http://127.0.0.1:${process.env.TEMPORAL_UI_PORT ?? '8233'}`;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Debian's chromium, headless, with nothing of its own going on (no updates, sync or QUIC), in a fresh profile:
 * Playwright's launch without a user data dir makes a temporary one and removes it on close.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * The codec endpoint the Temporal UI server was started with (scripts/services.sh gives the dev server the local
 * bridge's `/codec/<token>`), read from the UI's own settings: the port and token a bridge needs for the UI to decode.
 */
export async function uiCodecEndpoint(): Promise<{ port: number; token: string }> {
  const settings = (await (await fetch(`${TEMPORAL_UI_URL}/api/v1/settings`)).json()) as { Codec?: { Endpoint?: string } };
  const endpoint = settings.Codec?.Endpoint ?? '';
  const match = /^http:\/\/127\.0\.0\.1:(\d+)\/codec\/([^/]+)$/.exec(endpoint);
  if (!match) {
    throw new Error(`the Temporal UI has codec endpoint "${endpoint}", not the local bridge's; restart it with: bash scripts/services.sh down temporal && bash scripts/services.sh up temporal`);
  }
  return { port: Number(match[1]), token: match[2]! };
}

/** Fails with what to do when a port is taken (a demo bridge kept running holds the dev stack's codec port). */
export async function assertPortFree(port: number): Promise<void> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`port ${port} (the Temporal UI's codec endpoint) is in use: stop what holds it (a bridge of scripts/demo.sh --keep?): ${String(err)}`)));
    server.listen(port, '127.0.0.1', resolve);
  });
  await new Promise((resolve) => server.close(resolve));
}
