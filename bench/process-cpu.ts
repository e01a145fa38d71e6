import { readdirSync, readFileSync } from 'node:fs';
import { cpuTimeMs } from './stats';

/**
 * CPU time of the processes an execution costs, so the report says where it goes (and the floors' the same way).
 * A process that is gone by a reading is left out of it.
 */
function cpuMsIfAlive(pid: number, children: boolean): number | undefined {
  try {
    return cpuTimeMs(pid, { children });
  } catch {
    return undefined;
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

  constructor(private readonly groups: ProcessGroups) {
    for (const name of Object.keys(groups)) this.totals[name] = 0;
  }

  private read(): Map<string, Map<number, number>> {
    const out = new Map<string, Map<number, number>>();
    for (const [name, group] of Object.entries(this.groups)) {
      const byPid = new Map<number, number>();
      for (const pid of group.pids()) {
        const ms = cpuMsIfAlive(pid, group.children === true);
        if (ms !== undefined) byPid.set(pid, ms);
      }
      out.set(name, byPid);
    }
    return out;
  }

  /** Runs `run` and adds what each group spent meanwhile. */
  async measure<T>(run: () => Promise<T>): Promise<T> {
    const before = this.read();
    try {
      return await run();
    } finally {
      for (const [name, byPid] of this.read()) {
        for (const [pid, ms] of byPid) this.totals[name]! += ms - (before.get(name)!.get(pid) ?? 0);
      }
    }
  }

  /** ms of CPU per 1 000 executions, per group. */
  per1000(executions: number): Record<string, number> {
    return Object.fromEntries(Object.entries(this.totals).map(([name, ms]) => [name, Math.round((ms / executions) * 1000)]));
  }
}
