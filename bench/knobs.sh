#!/usr/bin/env bash
# Measures the Temporal dev server's knobs one by one with the quick bench: the shared dev server is restarted
# (same file database) with each set of arguments, the bench runs against it, and a table of the figures that
# matter is printed. Usage: bash bench/knobs.sh OUT_DIR [quick|full] [NAME ...]   (only the named configurations;
# the services must be up and dist/ built)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:?output directory}"
mode="${2:-quick}"
mkdir -p "$out"
# SQLite keeps journal_mode in the database file: every configuration names it, so none inherits another's.
declare -A knobs=(
  [1-default]="--sqlite-pragma journal_mode=delete"
  [2-wal]="--sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal"
  [3-partitions]="--sqlite-pragma journal_mode=delete --dynamic-config-value matching.numTaskqueueReadPartitions=1 --dynamic-config-value matching.numTaskqueueWritePartitions=1"
  [4-transfer-rps]="--sqlite-pragma journal_mode=delete --dynamic-config-value history.transferProcessorMaxPollRPS=100000"
  [5-wal+partitions]="--sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal --dynamic-config-value matching.numTaskqueueReadPartitions=1 --dynamic-config-value matching.numTaskqueueWritePartitions=1"
  [6-wal+transfer-rps]="--sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal --dynamic-config-value history.transferProcessorMaxPollRPS=100000"
  [7-all]="--sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal --dynamic-config-value history.transferProcessorMaxPollRPS=100000 --dynamic-config-value matching.numTaskqueueReadPartitions=1 --dynamic-config-value matching.numTaskqueueWritePartitions=1"
)
shift 2 || shift $#
only=("$@")
for name in $(printf '%s\n' "${!knobs[@]}" | sort); do
  if [ ${#only[@]} -gt 0 ] && [[ " ${only[*]} " != *" $name "* ]]; then continue; fi
  echo "[knobs] $name: ${knobs[$name]}"
  bash scripts/services.sh down temporal >/dev/null
  TEMPORAL_DEV_EXTRA_ARGS="${knobs[$name]}" bash scripts/services.sh up temporal >/dev/null
  if [ "$mode" = full ]; then npm run --silent bench -- --out "$out/$name"; else npm run --silent bench -- --quick --out "$out/$name"; fi >"$out/$name.log" 2>&1
done
bash scripts/services.sh down temporal >/dev/null
bash scripts/services.sh up temporal >/dev/null
node - "$out" <<'JS'
const fs = require('node:fs');
const path = require('node:path');
const dir = process.argv[2];
const rows = [];
for (const name of fs.readdirSync(dir).filter((n) => fs.existsSync(path.join(dir, n, 'latest.json'))).sort()) {
  const r = JSON.parse(fs.readFileSync(path.join(dir, name, 'latest.json'), 'utf8'));
  const t = (k, i) => r.throughput[k][i]?.perSec;
  rows.push([name, r.latency.endToEnd.adapter.p50, r.latency.endToEnd.engineFloor.p50, r.latency.endToEnd.engineEagerFloor?.p50, t('adapter1', 1), t('engineFloor', 1), t('engineEagerFloor', 1), t('adapter1', 2), t('engineFloor', 2), t('engineEagerFloor', 2)]);
}
const head = ['knobs', 'e2e p50 adapter', 'floor', 'eager floor', 'c=8 adapter', 'floor', 'eager', 'c=32 adapter', 'floor', 'eager'];
const out = [head, ...rows].map((r) => `| ${r.map((x) => (typeof x === 'number' ? Math.round(x * 10) / 10 : x)).join(' | ')} |`);
out.splice(1, 0, `|${head.map(() => '---').join('|')}|`);
fs.writeFileSync(path.join(dir, 'knobs.md'), out.join('\n') + '\n');
console.log(out.join('\n'));
JS
