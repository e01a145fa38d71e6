import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of the processes an execution costs, so the report says where it goes (and the floors' the same way):
 * a process's utime + stime from /proc/<pid>/stat, in ms, with `children` also its reaped children's (cutime +
 * cstime: the actions an agent or a floor worker ran).
 */
function cpuMs(pid: number, children: boolean): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the command: utime, stime, cutime, cstime are fields 14–17, indexes 11–14 here.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12]) + (children ? Number(f[13]) + Number(f[14]) : 0)) * 10;
  } catch {
    return undefined; // gone
  }
}

/** Pids whose command line matches (the dev server, PostgreSQL's processes, RabbitMQ's VM: started outside the bench). */
export function pidsMatching(pattern: RegExp): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (pattern.test(readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' '))) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** Named groups of processes; each group's pids are looked up at every reading (PostgreSQL forks backends). */
export type ProcessGroups = Record<string, { pids: () => number[]; children?: boolean }>;

/** Accumulates each group's CPU over the measured intervals (a process counts from its first reading). */
export class CpuMeter {
  private readonly totals: Record<string, number> = {};
  private started: Map<string, Map<number, number>> | null = null;

  constructor(private readonly groups: ProcessGroups) {
    for (const name of Object.keys(groups)) this.totals[name] = 0;
  }

  private read(): Map<string, Map<number, number>> {
    const out = new Map<string, Map<number, number>>();
    for (const [name, group] of Object.entries(this.groups)) {
      const byPid = new Map<number, number>();
      for (const pid of group.pids()) {
        const ms = cpuMs(pid, group.children === true);
        if (ms !== undefined) byPid.set(pid, ms);
      }
      out.set(name, byPid);
    }
    return out;
  }

  start(): void {
    this.started = this.read();
  }

  stop(): void {
    if (!this.started) throw new Error('CpuMeter.stop() without start()');
    for (const [name, byPid] of this.read()) {
      const before = this.started.get(name)!;
      for (const [pid, ms] of byPid) this.totals[name]! += ms - (before.get(pid) ?? 0);
    }
    this.started = null;
  }

  /** ms of CPU per 1 000 executions, per group. */
  per1000(executions: number): Record<string, number> {
    return Object.fromEntries(Object.entries(this.totals).map(([name, ms]) => [name, Math.round((ms / executions) * 1000)]));
  }
}
