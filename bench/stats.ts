import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Wall-clock milliseconds with sub-millisecond resolution, comparable with `date +%s%N` in the actions. */
export const nowMs = (): number => performance.timeOrigin + performance.now();

/** `date +%s%N` (ns since the epoch) as milliseconds, without losing precision on the way. */
export const nsToMs = (ns: string): number => {
  const big = BigInt(ns.trim());
  return Number(big / 1000n) / 1000;
};

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}

/** Nearest-rank percentiles. */
export function summarize(values: number[]): Summary {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) throw new Error('no samples');
  const pct = (p: number) => v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))]!;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return { n: v.length, p50: round(pct(50)), p99: round(pct(99)), mean: round(v.reduce((a, b) => a + b, 0) / v.length), min: round(v[0]!), max: round(v[v.length - 1]!) };
}

export function procStatusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`${field} missing for pid ${pid}`);
  return Number(m[1]);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string, everyMs = 5): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
