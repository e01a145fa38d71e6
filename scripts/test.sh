#!/usr/bin/env bash
# The whole test suite: build, lint (with the workflow determinism fence), validate the Compose/Helm files, start
# the real services (PostgreSQL, RabbitMQ, Temporal dev server), unit + end-to-end + replay + root-filesystem tests
# on Node 20, the unit tests and an agent smoke test on the current LTS lines (Node 22 and 24), and the benchmark
# smoke check; ends with one "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/rootfs-prereqs.sh   # patchelf, musl-tools, busybox-static, debootstrap, qemu-user-static … for the rootfs tests
bash scripts/browser-prereqs.sh  # Debian's chromium for the Temporal UI browser test
echo "[test] lint"
npm run --silent lint
echo "[test] deployment files (compose, Dockerfiles, Helm chart)"
bash scripts/validate-deploy.sh
bash scripts/services.sh up
. scripts/env.sh
results=.tmp/jest
rm -rf "$results" && mkdir -p "$results"
echo "[test] jest on $(node --version)"
npx jest --runInBand --json --outputFile="$results/node20.json" "$@"
for major in 22 24; do
  node_bin=$(bash scripts/node-lts.sh "$major")
  echo "[test] unit tests and agent smoke test on $("$node_bin" --version)"
  "$node_bin" node_modules/jest/bin/jest.js --selectProjects unit --runInBand --json --outputFile="$results/node$major.json"
  ATTUNE_WORKER_NAME=lts-smoke "$node_bin" dist/src/cli/main.js agent --detect-only | grep -q '"name": "shell"'
done
echo "[test] benchmark smoke check (bench --quick: every figure produced; timings are not asserted)"
bash bench/quick-check.sh
# One plain summary line over every jest run.
node -e 'const fs=require("fs");let p=0,f=0,s=0;for(const x of fs.readdirSync(process.argv[1])){const r=JSON.parse(fs.readFileSync(process.argv[1]+"/"+x));p+=r.numPassedTests;f+=r.numFailedTests;s+=r.numPendingTests}console.log(`${p} passed, ${f} failed${s?`, ${s} skipped`:""}`)' "$results"
