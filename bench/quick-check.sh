#!/usr/bin/env bash
# Smoke check for CI: runs the bench in --quick mode and asserts that it produced every figure
# (not what the timings are). Needs the services of scripts/services.sh and a built dist/ (npm run build).
# The agent bundle is built first (cached per build of dist/; not part of the timed run).
# A figure reported as {"notAvailable": reason} fails the check unless BENCH_ALLOW_NOT_AVAILABLE=1.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp -d /tmp/attune-bench-quick.XXXXXX)"
trap 'rm -rf "$out"' EXIT
# The agent bundle is built (and cached per build of dist/) first: a build, not a measurement (~1-1.5 min).
npm run --silent bench -- --prepare-bundle
start=$(date +%s)
npm run --silent bench -- --quick --out "$out"
echo "[quick-check] bench took $(( $(date +%s) - start )) s"
test -s "$out/latest.svg" || { echo "[quick-check] latest.svg missing"; exit 1; }
node - "$out/latest.json" <<'JS'
const r = JSON.parse(require('node:fs').readFileSync(process.argv[2], 'utf8'));
const allowNA = process.env.BENCH_ALLOW_NOT_AVAILABLE === '1';
const pct = (p) => [`${p}.p50`, `${p}.p99`];
const figures = [
  ...['dispatchToStart', 'exitToCompleted', 'endToEnd'].flatMap((k) => ['adapter', 'engineFloor', 'engineEagerFloor', 'processFloor'].flatMap((s) => pct(`latency.${k}.${s}`))),
  'history.adapter.activitiesScheduled', 'history.adapter.workflowTasks', 'history.engineFloor.activitiesScheduled', 'history.engineFloor.workflowTasks',
  'history.roundTrips.adapter', 'history.roundTrips.engineFloor', 'workflowCpu.adapter', 'workflowCpu.engineFloor', 'throughput.bridge.cpuMsPer1000', 'throughput.bridge.peakRssMiB', 'throughput.cpuPer1000.adapter.bridge', 'throughput.cpuPer1000.adapter.agent', 'throughput.cpuPer1000.adapter.devServer', 'throughput.cpuPer1000.engineFloor.worker', 'throughput.cpuPer1000.engineFloor.devServer',
  ...[0, 1, 2].flatMap((i) => [`throughput.engineFloor.${i}.perSec`, `throughput.engineEagerFloor.${i}.perSec`, `throughput.adapter1.${i}.perSec`, `throughput.adapter2.${i}.perSec`]),
  ...pct('agent.coldStart.fromNode.toPollMs'), ...pct('agent.coldStart.fromNode.toRowActiveMs'),
  ...pct('agent.coldStart.fromBundle.toPollMs'), ...pct('agent.coldStart.fromBundle.toRowActiveMs'),
  ...pct('agent.coldStart.engineFloorActivitiesOnlyWorker.toPollMs'), 'agent.coldStart.bareNodeStartExit.p50',
  'agent.idleRssMiB.agentFromNode', 'agent.idleRssMiB.agentFromBundle', 'agent.idleRssMiB.engineFloorWorker',
  'agent.bundleSize.rawBytes', 'agent.bundleSize.tarGzBytes', 'agent.bundleSize.tarZstBytes',
  'bigOutput.bytes', 'bigOutput.agent.rssGrowthMiB', 'bigOutput.agent.vmHwmAfterMiB', 'bigOutput.agent.captureMBps', 'bigOutput.processFloor.captureMBps',
  ...['adapter', 'engineFloor', 'processFloor'].flatMap((s) => pct(`cancel.publishToSigterm.${s}`)),
  'agentLoss.killToFinalStatus.p50', 'agentLoss.runHeartbeatTimeoutSeconds',
  'backlog.n', 'backlog.drainSeconds', 'backlog.perSec', 'backlog.bridge.cpuMsPer1000', 'backlog.bridge.peakRssMiB', 'backlog.bridge.firstTenthPeakMiB', 'backlog.bridge.lastTenthPeakMiB',
];
const missing = [];
const na = [];
for (const f of figures) {
  let v = r;
  for (const k of f.split('.')) {
    if (v && typeof v === 'object' && 'notAvailable' in v) break;
    v = v?.[k];
  }
  if (v && typeof v === 'object' && 'notAvailable' in v) na.push(`${f}: ${v.notAvailable}`);
  else if (typeof v !== 'number' || !Number.isFinite(v)) missing.push(`${f} = ${JSON.stringify(v)}`);
}
for (const line of na) console.log(`[quick-check] not available: ${line}`);
for (const line of missing) console.log(`[quick-check] missing: ${line}`);
// The round-trip gate is behaviour, not timing: a plain action's history holds at most 5 workflow + activity tasks.
if (r.history?.roundTrips?.withinGate !== true) missing.push(`history.roundTrips.withinGate (adapter ${r.history?.roundTrips?.adapter})`);
if (missing.length || (na.length && !allowNA)) process.exit(1);
console.log(`[quick-check] all ${figures.length} figures present`);
JS
