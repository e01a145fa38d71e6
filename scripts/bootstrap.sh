#!/usr/bin/env bash
# Installs the npm dependencies (only when the lock file changed) and builds dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[bootstrap] npm ci"
  npm ci --no-audit --no-fund
fi
echo "[bootstrap] build"
npm run --silent build
