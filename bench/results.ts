/** The results of one run: the JSON's shape, and the files written from it. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderSvg } from './chart';
import type { RecordedConfig } from './config';
import type { Machine } from './machine';
import { DEFAULT_OUT_DIR } from './options';
import { renderTable, updateReadme } from './table';
import type { AgentFigures, AgentLossFigures, BacklogFigures, BigOutputFigures, CancellationFigures, HistoryFigures, LatencyFigures, NotAvailable, ThroughputFigures, WorkflowCpuFigures } from './scenarios/types';

export interface RunMeta {
  date: string;
  quick: boolean;
  machine: Machine;
  config: RecordedConfig;
  durationSeconds: number;
  /** Time spent building the agent bundle, inside durationSeconds but in no figure. */
  bundleBuildSeconds: number;
  measureSeconds: number;
  loadavgAtEnd: number[];
}

/** bench/results/<ISO date>.json and latest.json, keys in this order. */
export interface BenchResults {
  meta: RunMeta;
  latency: LatencyFigures;
  history: HistoryFigures;
  /** Absent from results before the workflow CPU scenario (2026-12-04). */
  workflowCpu?: WorkflowCpuFigures;
  throughput: ThroughputFigures;
  agent: AgentFigures;
  bigOutput: BigOutputFigures;
  cancel: CancellationFigures;
  agentLoss: AgentLossFigures;
  /** Absent from results before the backlog scenario. */
  backlog?: BacklogFigures | NotAvailable;
}

/**
 * Writes DIR/<stamp>.json, latest.json, latest.svg and latest.md; a full run into bench/results also rewrites the
 * tables of bench/README.md. Returns the path of the dated JSON.
 */
export function writeResults(outDir: string, results: BenchResults): string {
  mkdirSync(outDir, { recursive: true });
  const stamp = results.meta.date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const file = path.join(outDir, `${stamp}.json`);
  const json = JSON.stringify(results, null, 2);
  writeFileSync(file, json);
  writeFileSync(path.join(outDir, 'latest.json'), json);
  writeFileSync(path.join(outDir, 'latest.svg'), renderSvg(results));
  // The tables name the dated file; the JSON does not.
  const named = { ...results, meta: { ...results.meta, file: `${stamp}.json` } };
  writeFileSync(path.join(outDir, 'latest.md'), renderTable(named));
  if (!results.meta.quick && outDir === DEFAULT_OUT_DIR) updateReadme(path.join(__dirname, 'README.md'), named);
  return file;
}
