#!/usr/bin/env bash
# The whole test suite: build, lint (with the workflow determinism fence), validate the Compose/Helm files, start
# the real services (PostgreSQL, RabbitMQ, Temporal dev server), unit + end-to-end + replay + root-filesystem tests
# on Node 20, the unit tests and an agent smoke test on the current LTS lines (Node 22 and 24), the benchmark
# smoke check, the short chaos soak (chaos/README.md), and the Compose test (scripts/test-compose.sh: the real
# compose file on a Docker engine); ends with one "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
# step NAME: ends the previous step with its time and starts this one; the times are listed again at the end.
suite_t0=$EPOCHREALTIME step_t0=$EPOCHREALTIME step_name="bootstrap (npm ci, build, prerequisites)" step_times=""
step() {
  local took
  took=$(awk -v a="$step_t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
  step_times+=$(printf '%6ss  %s' "$took" "$step_name")$'\n'
  echo "[test] ($step_name: ${took}s) $1"
  step_name=$1 step_t0=$EPOCHREALTIME
}
bash scripts/bootstrap.sh
bash scripts/rootfs-prereqs.sh   # patchelf, musl-tools, busybox-static, debootstrap, qemu-user-static … for the rootfs tests
bash scripts/browser-prereqs.sh  # Debian's chromium for the Temporal UI browser test
step "lint"
npm run --silent lint
step "deployment files (compose, Dockerfiles, Helm chart)"
bash scripts/validate-deploy.sh
step "services (PostgreSQL, RabbitMQ, Temporal dev server)"
bash scripts/services.sh up
. scripts/env.sh
results=.tmp/jest
rm -rf "$results" && mkdir -p "$results"
step "jest on $(node --version)"
npx jest --selectProjects unit lint e2e rootfs --runInBand --json --outputFile="$results/node20.json" "$@"
for major in 22 24; do
  node_bin=$(bash scripts/node-lts.sh "$major")
  step "unit tests and agent smoke test on $("$node_bin" --version)"
  "$node_bin" node_modules/jest/bin/jest.js --selectProjects unit --runInBand --json --outputFile="$results/node$major.json"
  ATTUNE_WORKER_NAME=lts-smoke "$node_bin" dist/src/cli/main.js agent --detect-only | grep -q '"name": "shell"'
done
step "benchmark smoke check (bench --quick: every figure produced; timings are not asserted)"
bash bench/quick-check.sh
step "chaos soak (chaos --short: every fault once on its own services; asserts 0 lost, 0 run twice, 0 stuck)"
npm run --silent chaos -- --short --out .tmp/chaos
step "Compose stack on a Docker engine (docker/compose.yaml, local stand-in images)"
bash scripts/test-compose.sh --json --outputFile="$results/compose.json"
step "summary"
printf '[test] time of each step:\n%s%6ss  in all\n' "$step_times" "$(awk -v a="$suite_t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')"
# One plain summary line over every jest run.
node -e 'const fs=require("fs");let p=0,f=0,s=0;for(const x of fs.readdirSync(process.argv[1])){const r=JSON.parse(fs.readFileSync(process.argv[1]+"/"+x));p+=r.numPassedTests;f+=r.numFailedTests;s+=r.numPendingTests}console.log(`${p} passed, ${f} failed${s?`, ${s} skipped`:""}`)' "$results"
