/** The results as Markdown (latest.md next to the JSON, and the sections of bench/README.md a full run rewrites). */
import { readFileSync, writeFileSync } from 'node:fs';

interface Pct {
  p50: number;
  p99: number;
}
interface Floors {
  adapter: Pct;
  engineFloor: Pct;
  processFloor: Pct;
  /** Absent from results older than the eager floor. */
  engineEagerFloor?: Pct;
}
interface NotAvailable {
  notAvailable: string;
}
interface Tput {
  concurrency: number;
  perSec: number;
}
/** The part of the results JSON the tables read. */
export interface TableInput {
  meta: { date: string; quick: boolean; file?: string; durationSeconds?: number; loadavgAtEnd?: number[]; machine: { nproc: number; cpuModel: string; memTotalMiB: number; kernel: string; node: string; loadavgAtStart: number[] } };
  latency: Record<'dispatchToStart' | 'exitToCompleted' | 'endToEnd', Floors>;
  throughput: { engineFloor: Tput[]; engineEagerFloor?: Tput[]; adapter1: Tput[]; adapter2: Tput[]; bridge?: { cpuMsPer1000: number; peakRssMiB: number }; cpuPer1000?: { adapter: Record<string, number>; engineFloor: Record<string, number>; engineEagerFloor: Record<string, number> } };
  history?: { roundTrips?: { adapter: number; engineFloor: number; gate: number } };
  /** Absent from results older than the workflow CPU scenario. */
  workflowCpu?: { replays: number; adapter: number; engineFloor: number };
  agent: {
    coldStart: {
      fromNode: { toPollMs: Pct; toRowActiveMs: Pct };
      fromBundle: { toPollMs: Pct; toRowActiveMs: Pct } | NotAvailable;
      engineFloorActivitiesOnlyWorker: { toPollMs: Pct };
      bareNodeStartExit: Pct;
    };
    idleRssMiB: { agentFromNode: number; agentFromBundle: number | NotAvailable; engineFloorWorker: number };
    bundleSize: { rawBytes: number; tarGzBytes: number | null; tarZstBytes: number | null } | NotAvailable;
  };
  bigOutput: { bytes: number; agent: { rssGrowthMiB: number; vmHwmBeforeMiB: number; vmHwmAfterMiB: number; captureMBps: number }; processFloor: { captureMBps: number } };
  cancel: { publishToSigterm: Floors };
  agentLoss: { killToFinalStatus: Pct; finalStatus: string[]; runHeartbeatTimeoutSeconds: number; reattachWaitSeconds?: number };
  /** Absent from results older than the backlog scenario. */
  backlog?: { n: number; drainSeconds: number; perSec: number; bridge: { cpuMsPer1000?: number; rssBeforeMiB: number; peakRssMiB: number; firstTenthPeakMiB: number; lastTenthPeakMiB: number } } | NotAvailable;
}

const na = (x: unknown): x is NotAvailable => typeof x === 'object' && x !== null && 'notAvailable' in x;
const f = (x: number | null | undefined | NotAvailable, unit = ''): string =>
  typeof x === 'number' ? `${x >= 100 ? Math.round(x) : Math.round(x * 10) / 10}${unit}` : na(x) ? 'not available' : '–';
const r2 = (a: number | undefined | NotAvailable, b: number) => (typeof a === 'number' && b !== 0 ? `×${(a / b).toFixed(2)}` : '–');
const mib = (b: number | null) => (b === null ? null : Math.round((b / 1048576) * 10) / 10);

export function renderTable(r: TableInput): string {
  const rows: string[][] = [];
  const lat = (label: string, g: Floors) => {
    for (const p of ['p50', 'p99'] as const) {
      const eager = g.engineEagerFloor;
      rows.push([
        `${label} ${p}`,
        f(g.adapter[p], ' ms'),
        `${f(g.engineFloor[p], ' ms')} engine${eager ? ` · ${f(eager[p], ' ms')} eager engine` : ''} · ${f(g.processFloor[p], ' ms')} process`,
        `${r2(g.adapter[p], g.engineFloor[p])}${eager ? ` · ${r2(g.adapter[p], eager[p])}` : ''} · ${r2(g.adapter[p], g.processFloor[p])}`,
      ]);
    }
  };
  const trips = r.history?.roundTrips;
  if (trips) rows.push(['0. server round trips of a plain action (gate ≤ ' + trips.gate + ')', String(trips.adapter), `${trips.engineFloor} engine`, r2(trips.adapter, trips.engineFloor)]);
  lat('1. dispatch → child started', r.latency.dispatchToStart);
  lat('1. child exit → ExecutionCompleted', r.latency.exitToCompleted);
  lat('1. dispatch → ExecutionCompleted (end to end)', r.latency.endToEnd);
  const wc = r.workflowCpu;
  if (wc) rows.push([`1b. workflow code CPU per execution (its history replayed ${wc.replays}×, no server)`, f(wc.adapter, ' ms'), `${f(wc.engineFloor, ' ms')} engine`, r2(wc.adapter, wc.engineFloor)]);
  r.throughput.engineFloor.forEach((t, i) => {
    const e = r.throughput.engineEagerFloor?.[i];
    for (const [label, a] of [['1 agent', r.throughput.adapter1[i]], ['2 agents', r.throughput.adapter2[i]]] as const) {
      rows.push([
        `2. throughput c=${t.concurrency}, ${label}`,
        f(a?.perSec, '/s'),
        `${f(t.perSec, '/s')} engine${e ? ` · ${f(e.perSec, '/s')} eager engine` : ''}`,
        `${r2(a?.perSec, t.perSec)}${e ? ` · ${r2(a?.perSec, e.perSec)}` : ''}`,
      ]);
    }
  });
  const bridge = r.throughput.bridge;
  if (bridge) rows.push(['2. bridge CPU per 1 000 executions / peak RSS', `${f(bridge.cpuMsPer1000 / 1000, ' s')} / ${f(bridge.peakRssMiB, ' MiB')}`, '–', '–']);
  const cpu = r.throughput.cpuPer1000;
  if (cpu) {
    // Each process's seconds, then the sum: where an execution's CPU goes, beside the floors' (same run).
    const total = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);
    const parts = (m: Record<string, number>) => `${Object.entries(m).map(([k, v]) => `${k} ${f(v / 1000)}`).join(' + ')} = ${f(total(m) / 1000, ' s')}`;
    rows.push([
      '2. CPU per 1 000 executions, 1 agent (each process, then the sum)',
      parts(cpu.adapter),
      `${parts(cpu.engineFloor)} engine · ${parts(cpu.engineEagerFloor)} eager engine`,
      `${r2(total(cpu.adapter), total(cpu.engineFloor))} · ${r2(total(cpu.adapter), total(cpu.engineEagerFloor))}`,
    ]);
  }
  const cs = r.agent.coldStart;
  const floorPoll = cs.engineFloorActivitiesOnlyWorker.toPollMs.p50;
  const bundle = cs.fromBundle;
  rows.push(['3. cold start exec → first poll, node (p50)', f(cs.fromNode.toPollMs.p50, ' ms'), `${f(floorPoll, ' ms')} bare worker · ${f(cs.bareNodeStartExit.p50, ' ms')} node -e 0`, r2(cs.fromNode.toPollMs.p50, floorPoll)]);
  rows.push(['3. cold start exec → worker row active, node (p50)', f(cs.fromNode.toRowActiveMs.p50, ' ms'), `${f(floorPoll, ' ms')} bare worker`, r2(cs.fromNode.toRowActiveMs.p50, floorPoll)]);
  rows.push(['3. cold start exec → first poll, bundle (p50)', na(bundle) ? f(bundle) : f(bundle.toPollMs.p50, ' ms'), `${f(floorPoll, ' ms')} bare worker`, na(bundle) ? '–' : r2(bundle.toPollMs.p50, floorPoll)]);
  rows.push(['3. cold start exec → worker row active, bundle (p50)', na(bundle) ? f(bundle) : f(bundle.toRowActiveMs.p50, ' ms'), `${f(floorPoll, ' ms')} bare worker`, na(bundle) ? '–' : r2(bundle.toRowActiveMs.p50, floorPoll)]);
  const rss = r.agent.idleRssMiB;
  rows.push(['3. idle RSS, agent from node', f(rss.agentFromNode, ' MiB'), `${f(rss.engineFloorWorker, ' MiB')} bare worker`, r2(rss.agentFromNode, rss.engineFloorWorker)]);
  rows.push(['3. idle RSS, agent from bundle (launcher + node)', f(rss.agentFromBundle, ' MiB'), `${f(rss.engineFloorWorker, ' MiB')} bare worker`, r2(rss.agentFromBundle, rss.engineFloorWorker)]);
  const bs = r.agent.bundleSize;
  rows.push(['3. bundle size raw / tar.gz / tar.zst', na(bs) ? 'not available' : `${f(mib(bs.rawBytes))} / ${f(mib(bs.tarGzBytes))} / ${f(mib(bs.tarZstBytes))} MiB`, '–', '–']);
  const b = r.bigOutput;
  const size = `${Math.round(b.bytes / 1048576)} MiB`;
  rows.push([`4. ${size} to stdout: agent RSS growth (sampled peak)`, f(b.agent.rssGrowthMiB, ' MiB'), `VmHWM ${f(b.agent.vmHwmBeforeMiB)} → ${f(b.agent.vmHwmAfterMiB)} MiB`, '–']);
  rows.push([`4. ${size} to stdout: capture throughput`, f(b.agent.captureMBps, ' MB/s'), `${f(b.processFloor.captureMBps, ' MB/s')} process`, r2(b.agent.captureMBps, b.processFloor.captureMBps)]);
  lat('5. cancel published → SIGTERM in the action', r.cancel.publishToSigterm);
  const l = r.agentLoss;
  const budget = l.runHeartbeatTimeoutSeconds + (l.reattachWaitSeconds ?? 0);
  const budgetText = l.reattachWaitSeconds ? `${f(l.runHeartbeatTimeoutSeconds, ' s')} run heartbeat timeout + ${f(l.reattachWaitSeconds, ' s')} re-attach wait` : `${f(l.runHeartbeatTimeoutSeconds, ' s')} run heartbeat timeout`;
  rows.push(['5. agent SIGKILL mid-action → final DB status (p50)', `${f(l.killToFinalStatus.p50, ' s')} (${l.finalStatus.join(', ')})`, budgetText, r2(l.killToFinalStatus.p50, budget)]);
  const bl = r.backlog;
  if (bl && na(bl)) rows.push(['6. backlog drained', 'not available', bl.notAvailable, '–']);
  else if (bl) {
    rows.push([`6. backlog of ${bl.n} dispatches: drain time / rate (2 agents) / bridge CPU per 1 000`, `${f(bl.drainSeconds, ' s')} / ${f(bl.perSec, '/s')} / ${f(bl.bridge.cpuMsPer1000 === undefined ? undefined : bl.bridge.cpuMsPer1000 / 1000, ' s')}`, '–', '–']);
    rows.push([`6. backlog of ${bl.n}: bridge RSS before → peak; first → last tenth of the drain`, `${f(bl.bridge.rssBeforeMiB)} → ${f(bl.bridge.peakRssMiB, ' MiB')}; ${f(bl.bridge.firstTenthPeakMiB)} → ${f(bl.bridge.lastTenthPeakMiB, ' MiB')}`, '–', r2(bl.bridge.lastTenthPeakMiB, bl.bridge.firstTenthPeakMiB)]);
  }
  const head = ['figure', 'adapter', 'floor', 'ratio to floor (each floor in order)'];
  return `${[`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((x) => `| ${x.join(' | ')} |`)].join('\n')}\n`;
}

export function renderMachine(r: TableInput): string {
  const m = r.meta.machine;
  return `${[
    `- ${m.nproc} cores (\`nproc\`), ${m.cpuModel} (/proc/cpuinfo), ${Math.round(m.memTotalMiB / 1024)} GiB memory, Linux ${m.kernel}, node ${m.node}`,
    `- run ${r.meta.date}${r.meta.quick ? ' (--quick)' : ''}, ${r.meta.durationSeconds ?? '?'} s; load average at start ${m.loadavgAtStart.join(' / ')}, at end ${(r.meta.loadavgAtEnd ?? []).join(' / ')}`,
    `- raw results: \`bench/results/${r.meta.file ?? 'latest.json'}\``,
  ].join('\n')}\n`;
}

/** Rewrites the machine and table sections of bench/README.md (a full run into bench/results only). */
export function updateReadme(file: string, r: TableInput): void {
  let text = readFileSync(file, 'utf8');
  const put = (name: string, body: string) => {
    text = text.replace(new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`), (_m, a: string, b: string) => `${a}${body}${b}`);
  };
  put('machine', renderMachine(r));
  put('table', renderTable(r));
  writeFileSync(file, text);
}
