#!/bin/sh
# Entrypoint for images that get the agent by download instead of an init-container copy.
# POSIX sh, works with busybox (wget, sha256sum, tar -z; no zstd needed):
#   1. /opt/attune/agent/attune-agent already there (volume copy)? run it;
#   2. else download the bundle from the bridge (Attune-compatible /api/v1/agent/binary, X-Agent-Token),
#      verify its SHA-256, unpack it at /opt/attune/agent (the bundle's loader path is fixed there), run it.
# Settings: ATTUNE_AGENT_DOWNLOAD_URL (the bridge, e.g. http://bridge:8099), ATTUNE_AGENT_TOKEN.
# /opt/attune/agent must be writable for a download (an emptyDir / tmpfs in a read-only image).
set -eu

AGENT_DIR=/opt/attune/agent
fail() { echo "attune-agent-wrapper: $*" >&2; exit 1; }

if [ -x "$AGENT_DIR/attune-agent" ]; then
  exec "$AGENT_DIR/attune-agent" "$@"
fi

url="${ATTUNE_AGENT_DOWNLOAD_URL:-}"
token="${ATTUNE_AGENT_TOKEN:-}"
[ -n "$url" ] || fail "no agent at $AGENT_DIR and ATTUNE_AGENT_DOWNLOAD_URL is not set"
[ -n "$token" ] || fail "ATTUNE_AGENT_TOKEN is not set"

case "$(uname -m)" in
  x86_64 | amd64) arch=x86_64 ;;
  aarch64 | arm64) arch=aarch64 ;;
  *) fail "unsupported architecture $(uname -m)" ;;
esac

fetch() { # fetch URL FILE
  if command -v wget >/dev/null 2>&1; then
    wget -q --header "X-Agent-Token: $token" -O "$2" "$1"
  elif command -v curl >/dev/null 2>&1; then
    curl -fsS -H "X-Agent-Token: $token" -o "$2" "$1"
  else
    fail "neither wget nor curl is available to download the agent"
  fi
}

tmp="${TMPDIR:-/tmp}/attune-agent.$$"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
fetch "$url/api/v1/agent/binary?arch=$arch" "$tmp/agent.tar.gz" || fail "download from $url failed"
fetch "$url/api/v1/agent/binary.sha256?arch=$arch" "$tmp/agent.sha256" || fail "checksum download from $url failed"
expected=$(cut -d ' ' -f 1 "$tmp/agent.sha256")
actual=$(sha256sum "$tmp/agent.tar.gz" | cut -d ' ' -f 1)
[ -n "$expected" ] && [ "$expected" = "$actual" ] || fail "checksum mismatch: expected $expected, got $actual"

mkdir -p "$AGENT_DIR" || fail "$AGENT_DIR is not writable (mount a volume there)"
tar -xzf "$tmp/agent.tar.gz" -C "$AGENT_DIR" || fail "could not unpack the agent into $AGENT_DIR"
rm -rf "$tmp"
trap - EXIT
exec "$AGENT_DIR/attune-agent" "$@"
