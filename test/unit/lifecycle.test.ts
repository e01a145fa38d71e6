import { spawn } from 'node:child_process';
import path from 'node:path';
import { Lifecycle, openWithBackoff, StopRequested } from '../../src/lifecycle';
import { ConfigError } from '../../src/errors';

describe('Lifecycle', () => {
  it('closes resources last-in-first-out, past one that fails', async () => {
    const lifecycle = new Lifecycle();
    const closed: string[] = [];
    lifecycle.add('db', 'pool', (r) => closed.push(r));
    lifecycle.add('broken', null, () => {
      throw new Error('boom');
    });
    lifecycle.add('amqp', 'connection', async (r) => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      closed.push(r);
    });
    await lifecycle.closeAll();
    expect(closed).toEqual(['connection', 'pool']);
  });

  it('retries an unreachable dependency with backoff until it answers', async () => {
    const lifecycle = new Lifecycle();
    let calls = 0;
    const delays: number[] = [];
    const value = await openWithBackoff(
      lifecycle,
      'flaky',
      async () => {
        calls += 1;
        if (calls < 4) throw new Error('ECONNREFUSED');
        return 'open';
      },
      { initialMs: 5, maxMs: 12, onRetry: (_err, _attempt, delay) => delays.push(delay) },
    );
    expect(value).toBe('open');
    expect(delays).toEqual([5, 10, 12]);
  });

  it('gives up at once on a configuration error, and stops retrying when a stop is requested', async () => {
    const lifecycle = new Lifecycle();
    await expect(openWithBackoff(lifecycle, 'config', () => Promise.reject(new ConfigError('X is invalid')), { initialMs: 5 })).rejects.toBeInstanceOf(ConfigError);
    const never = openWithBackoff(lifecycle, 'down', () => Promise.reject(new Error('ECONNREFUSED')), { initialMs: 60_000 });
    setTimeout(() => lifecycle.requestStop('SIGTERM'), 20);
    await expect(never).rejects.toBeInstanceOf(StopRequested);
  });

  it('a first SIGTERM closes gracefully; a second one forces the exit (built lifecycle in a child process)', async () => {
    const lifecycleJs = path.join(__dirname, '..', '..', 'dist', 'src', 'lifecycle.js');
    // A closer that never finishes: only the second signal can end this process.
    const script = `
      const { runMain } = require(${JSON.stringify(lifecycleJs)});
      runMain(async (lc) => {
        lc.handleSignals();
        lc.add('keep-alive', setInterval(() => {}, 1000), clearInterval);
        lc.add('stuck', null, () => new Promise(() => { process.stdout.write('closing\\n'); setInterval(() => {}, 1000); }));
        process.stdout.write('ready\\n');
        await lc.stopRequested;
      });`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const seen = async (text: string) => {
      while (!out.includes(text)) await new Promise((r) => setTimeout(r, 20));
    };
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await seen('ready');
    child.kill('SIGTERM');
    await seen('closing');
    child.kill('SIGTERM');
    expect(await exited).toBe(130);
  });
});
