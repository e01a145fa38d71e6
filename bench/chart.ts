/** The bench's chart, written by hand as SVG from the results: latency percentiles, and throughput vs concurrency. */
interface Pct {
  p50: number;
  p99: number;
}
interface Tput {
  concurrency: number;
  perSec: number;
}
export interface ChartInput {
  meta: { date: string; quick: boolean; machine: { nproc: number; cpuModel: string; node: string } };
  latency: Record<'dispatchToStart' | 'exitToCompleted', { adapter: Pct; engineFloor: Pct; processFloor: Pct }>;
  cancel: { publishToSigterm: { adapter: Pct; engineFloor: Pct; processFloor: Pct } };
  throughput: { engineFloor: Tput[]; adapter1: Tput[]; adapter2: Tput[] };
}

const COLORS = { adapter: '#d6604d', engineFloor: '#4393c3', processFloor: '#7fbc41', adapter2: '#b2182b' };
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

export function renderSvg(r: ChartInput): string {
  const W = 1000;
  const H = 440;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="10" y="18" font-size="13" font-weight="bold">attune-temporal bench ${esc(r.meta.date)}${r.meta.quick ? ' (quick)' : ''}: ${r.meta.machine.nproc} cores, ${esc(r.meta.machine.cpuModel)}, node ${esc(r.meta.machine.node)}</text>`);

  // ---- left: latency, log scale, bar = p50, whisker tick = p99 ----
  const groups: [string, { adapter: Pct; engineFloor: Pct; processFloor: Pct }][] = [
    ['dispatch → child started', r.latency.dispatchToStart],
    ['child exit → ExecutionCompleted', r.latency.exitToCompleted],
    ['cancel published → SIGTERM', r.cancel.publishToSigterm],
  ];
  const L = { x: 60, y: 50, w: 520, h: 320 };
  const all = groups.flatMap(([, g]) => [g.adapter, g.engineFloor, g.processFloor]).flatMap((p) => [p.p50, p.p99]).filter((v) => v > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...all))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...all))));
  const y = (v: number) => L.y + L.h - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * L.h;
  out.push(`<text x="${L.x}" y="${L.y - 12}" font-size="12" font-weight="bold">Latency, ms (log): bar p50, tick p99</text>`);
  for (let e = Math.log10(lo); e <= Math.log10(hi); e++) {
    const v = Math.pow(10, e);
    out.push(`<line x1="${L.x}" x2="${L.x + L.w}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${L.x - 5}" y="${y(v) + 4}" text-anchor="end">${v >= 1 ? v : v.toFixed(-e)}</text>`);
  }
  const gw = L.w / groups.length;
  groups.forEach(([label, g], gi) => {
    const series: [keyof typeof COLORS, Pct][] = [['adapter', g.adapter], ['engineFloor', g.engineFloor], ['processFloor', g.processFloor]];
    series.forEach(([name, p], si) => {
      const bx = L.x + gi * gw + 18 + si * ((gw - 36) / 3);
      const bw = (gw - 36) / 3 - 6;
      out.push(`<rect x="${bx}" y="${y(p.p50)}" width="${bw}" height="${L.y + L.h - y(p.p50)}" fill="${COLORS[name]}"/>`);
      out.push(`<line x1="${bx + bw / 2}" x2="${bx + bw / 2}" y1="${y(p.p50)}" y2="${y(p.p99)}" stroke="black"/><line x1="${bx + 4}" x2="${bx + bw - 4}" y1="${y(p.p99)}" y2="${y(p.p99)}" stroke="black" stroke-width="2"/>`);
      out.push(`<text x="${bx + bw / 2}" y="${y(p.p99) - 4}" text-anchor="middle" font-size="9">${fmt(p.p50)}/${fmt(p.p99)}</text>`);
    });
    out.push(`<text x="${L.x + gi * gw + gw / 2}" y="${L.y + L.h + 16}" text-anchor="middle">${esc(label)}</text>`);
  });
  out.push(`<line x1="${L.x}" x2="${L.x}" y1="${L.y}" y2="${L.y + L.h}" stroke="black"/><line x1="${L.x}" x2="${L.x + L.w}" y1="${L.y + L.h}" y2="${L.y + L.h}" stroke="black"/>`);
  const legend = (x: number, yy: number, color: string, text: string) => `<rect x="${x}" y="${yy - 9}" width="12" height="10" fill="${color}"/><text x="${x + 16}" y="${yy}">${esc(text)}</text>`;
  out.push(legend(L.x, H - 22, COLORS.adapter, 'adapter (bridge + agent)'));
  out.push(legend(L.x + 170, H - 22, COLORS.engineFloor, 'engine floor (1-activity workflow)'));
  out.push(legend(L.x + 380, H - 22, COLORS.processFloor, 'process floor (bare execa)'));

  // ---- right: throughput vs concurrency ----
  const R = { x: 680, y: 50, w: 290, h: 320 };
  const lines: [string, string, Tput[]][] = [
    ['adapter, 1 agent', COLORS.adapter, r.throughput.adapter1],
    ['adapter, 2 agents', COLORS.adapter2, r.throughput.adapter2],
    ['engine floor', COLORS.engineFloor, r.throughput.engineFloor],
  ];
  const cs = r.throughput.engineFloor.map((t) => t.concurrency);
  const maxT = Math.max(...lines.flatMap(([, , ts]) => ts.map((t) => t.perSec))) * 1.1 || 1;
  const rx = (c: number) => R.x + (cs.indexOf(c) / Math.max(1, cs.length - 1)) * R.w;
  const ry = (v: number) => R.y + R.h - (v / maxT) * R.h;
  out.push(`<text x="${R.x - 40}" y="${R.y - 12}" font-size="12" font-weight="bold">Throughput, executions/s vs concurrency</text>`);
  for (let i = 0; i <= 4; i++) {
    const v = (maxT * i) / 4;
    out.push(`<line x1="${R.x}" x2="${R.x + R.w}" y1="${ry(v)}" y2="${ry(v)}" stroke="#ddd"/><text x="${R.x - 5}" y="${ry(v) + 4}" text-anchor="end">${fmt(v)}</text>`);
  }
  for (const c of cs) out.push(`<text x="${rx(c)}" y="${R.y + R.h + 16}" text-anchor="middle">${c}</text>`);
  out.push(`<line x1="${R.x}" x2="${R.x}" y1="${R.y}" y2="${R.y + R.h}" stroke="black"/><line x1="${R.x}" x2="${R.x + R.w}" y1="${R.y + R.h}" y2="${R.y + R.h}" stroke="black"/>`);
  lines.forEach(([name, color, ts], i) => {
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${ts.map((t) => `${rx(t.concurrency)},${ry(t.perSec)}`).join(' ')}"/>`);
    const dy = i === 1 ? 14 : -5; // the two adapter lines often coincide: one label above, one below
    for (const t of ts) out.push(`<circle cx="${rx(t.concurrency)}" cy="${ry(t.perSec)}" r="3" fill="${color}"/><text x="${rx(t.concurrency) + 5}" y="${ry(t.perSec) + dy}" font-size="9" fill="${color}">${fmt(t.perSec)}</text>`);
    out.push(legend(R.x + (i % 2) * 150 - 20, H - 36 + Math.floor(i / 2) * 14, color, name));
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
