#!/usr/bin/env bash
# Brings everything up (dependencies, build, PostgreSQL, RabbitMQ, Temporal dev server + UI, a bridge and
# one agent with the sample pack) and runs one sample execution end to end, printing its result and the
# Temporal UI link of its workflow. `--keep` leaves the bridge and agent running.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec node dist/src/cli/main.js dev "$@"
