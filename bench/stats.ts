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

/** a / b, two decimals: the "×" figures. */
export const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;

/** The ratio of two summaries' p50s and p99s. */
export const percentileRatio = (a: Summary, b: Summary): { p50: number; p99: number } => ({ p50: ratio(a.p50, b.p50), p99: ratio(a.p99, b.p99) });

/** KiB (as /proc reports them) as MiB, one decimal. */
export const MiB = (kib: number): number => Math.round((kib / 1024) * 10) / 10;

export function procStatusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`${field} missing for pid ${pid}`);
  return Number(m[1]);
}

/** RSS of a process and its descendants (the bundle's launcher stays as init and runs node as its child). */
export function processTreeRssKiB(pid: number): number {
  let total = 0;
  const visit = (p: number) => {
    try {
      total += procStatusKiB(p, 'VmRSS');
    } catch {
      return;
    }
    let children = '';
    try {
      children = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8');
    } catch {
      /* no children file */
    }
    for (const c of children.split(' ').filter(Boolean)) visit(Number(c));
  };
  visit(pid);
  return total;
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

/**
 * User + system CPU time of a process so far, in milliseconds (/proc/<pid>/stat, clock ticks of 100 Hz); with
 * `children`, also that of the children it reaped (cutime + cstime: the actions an agent or a floor worker ran).
 */
export function cpuTimeMs(pid: number, opts: { children?: boolean } = {}): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command: state is field 3, so utime, stime, cutime, cstime (14–17) are at indexes 11–14.
  const own = Number(fields[11]) + Number(fields[12]);
  return (opts.children ? own + Number(fields[13]) + Number(fields[14]) : own) * 10;
}
