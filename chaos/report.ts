/** The soak's results: the JSON (chaos/results/<ISO date>.json, latest.json) and the table in chaos/README.md. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Machine } from '../bench/machine';
import type { ChaosConfig } from './config';
import type { Verdict } from './verdict';

export const DEFAULT_OUT_DIR = path.join(__dirname, 'results');

export interface ChaosResults {
  meta: { date: string; short: boolean; durationSeconds: number; machine: Machine; config: ChaosConfig; loadavgAtEnd: number[] };
  passed: boolean;
  verdict: Verdict;
  peakRssMiB: { bridge: number; agent: number };
}

export function writeResults(outDir: string, results: ChaosResults): string {
  mkdirSync(outDir, { recursive: true });
  const stamp = results.meta.date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const file = path.join(outDir, `${stamp}${results.meta.short ? '-short' : ''}.json`);
  const json = `${JSON.stringify(results, null, 2)}\n`;
  writeFileSync(file, json);
  writeFileSync(path.join(outDir, results.meta.short ? 'latest-short.json' : 'latest.json'), json);
  if (outDir === DEFAULT_OUT_DIR) updateReadme(path.join(__dirname, 'README.md'), results, path.basename(file));
  return file;
}

const fmt = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(1));

export function renderTable(r: ChaosResults, file: string): string {
  const v = r.verdict;
  const lines = [
    `Run ${r.meta.date} (${r.meta.short ? 'short' : 'full'}, ${r.meta.durationSeconds} s, ${r.meta.machine.nproc} cores, load average at end ${r.meta.loadavgAtEnd.join(' / ')}); raw: \`chaos/results/${file}\`.`,
    '',
    `| figure | value |`,
    `|---|---|`,
    `| executions dispatched (+ retries made on agent loss) | ${v.executions.dispatched} (+ ${v.executions.retries}) |`,
    `| final status | ${Object.entries(v.executions.byStatus).map(([s, n]) => `${s} ${n}`).join(', ')} |`,
    `| **lost** (row still \`scheduled\`) | **${v.lost.length}** |`,
    `| **run twice** (marker file) | **${v.runTwice.length}** |`,
    `| completed without a marker line (the detector would be blind) | ${v.unmarked.length} |`,
    `| **stuck** (row not final / workflow still Running) | **${v.stuck.rows.length} / ${v.stuck.workflows.length}** |`,
    `| opted-in executions retried after agent loss | ${v.retriedOnAgentLoss} |`,
    `| outcomes not allowed by their kind and faults | ${v.unexpected.length} |`,
    `| not completed though their kind completes, by the faults that hit them | ${failuresByFault(v) || 'none'} |`,
    `| peak RSS (VmHWM): bridge / agent | ${r.peakRssMiB.bridge} MiB / ${r.peakRssMiB.agent} MiB |`,
    '',
    `| fault | count | executions hit | fault start → final row p50 / p99 / max (s) |`,
    `|---|---|---|---|`,
    ...Object.entries(v.faults).map(([k, f]) => `| ${k} | ${f.count} | ${f.hit} | ${fmt(f.resolveSeconds?.p50)} / ${fmt(f.resolveSeconds?.p99)} / ${fmt(f.resolveSeconds?.max)} |`),
    '',
    `| kind | final statuses |`,
    `|---|---|`,
    ...Object.entries(v.executions.byKind).map(([k, s]) => `| ${k} | ${Object.entries(s).map(([st, n]) => `${st} ${n}`).join(', ')} |`),
  ];
  return `${lines.join('\n')}\n`;
}

function failuresByFault(v: Verdict): string {
  const counts: Record<string, number> = {};
  for (const f of v.failures) {
    const key = f.faults.length > 0 ? [...new Set(f.faults)].join(' + ') : 'no fault';
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return Object.entries(counts).map(([k, n]) => `${k}: ${n}`).join(', ');
}

/** Rewrites the section between the markers for this run's length (short or full). */
function updateReadme(readme: string, r: ChaosResults, file: string): void {
  const tag = r.meta.short ? 'short' : 'full';
  const text = readFileSync(readme, 'utf8');
  const re = new RegExp(`(<!-- ${tag}:start -->\\n)[\\s\\S]*?(<!-- ${tag}:end -->)`);
  if (!re.test(text)) throw new Error(`${readme} has no ${tag} markers`);
  writeFileSync(readme, text.replace(re, (_m, a: string, b: string) => `${a}${renderTable(r, file)}${b}`));
}
