#!/usr/bin/env bash
# Builds, on the local Docker engine and without any registry, the images the Compose test runs (no official name is
# ever tagged locally: that would poison a developer's image cache; test/compose/compose.local.yaml maps the compose
# file's images to these):
#   local/attune-debian:12        debootstrap --variant=minbase bookworm + ca-certificates, imported
#   local/attune-busybox:1.37     Debian's static busybox                       (busybox:1.37.0)
#   local/attune-musl:1           busybox + musl's loader and libc, no glibc    (the Alpine-like agent image)
#   local/attune-temporal:1.5.1   the suite's Temporal CLI build on busybox      (temporalio/temporal:1.5.1)
#   local/attune-postgres:15      Debian's PostgreSQL 15 + initdb entrypoint     (postgres:15-alpine)
#   local/attune-rabbitmq:3       Debian's RabbitMQ + management                 (rabbitmq:3.13-management-alpine)
#   local/attune-python:3         Debian's Python 3.11                           (python:3.12-slim)
#   local/attune-ruby:3           Debian's Ruby 3.1                              (ruby:3.3-alpine)
#   local/attune-node:22          official Node 22 + npm on Debian               (node:22-bookworm[-slim])
# Each is rebuilt only when its inputs change (docker's layer cache; the Debian base only when missing). Needs a
# running engine (scripts/services.sh up docker) and the Temporal CLI (scripts/services.sh up temporal builds it).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
IMAGES=test/compose/images
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
say() { printf '[compose-images] %s\n' "$*"; }

has_image() { docker image inspect "$1" >/dev/null 2>&1; }

# build NAME TAG: the Dockerfile directory test/compose/images/NAME, plus whatever stage_NAME adds to the context.
build() {
  local name=$1 tag=$2 ctx="$work/$1" t0=$EPOCHREALTIME
  cp -r "$IMAGES/$name" "$ctx"
  if declare -F "stage_$name" >/dev/null; then "stage_$name" "$ctx"; fi
  docker build -q -t "$tag" "$ctx" >"$work/$name.log" 2>&1 || { cat "$work/$name.log" >&2; say "FAIL: $tag"; exit 1; }
  say "$tag ready in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0fs", b - a }')"
}

debian_base() {
  has_image local/attune-debian:12 && return
  local root="$work/debian" mirror t0=$EPOCHREALTIME
  mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
  [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $2 ~ /^http/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
  mirror=${mirror:-http://deb.debian.org/debian}
  command -v debootstrap >/dev/null || apt-get install -y debootstrap >/dev/null
  say "debootstrap bookworm from $mirror"
  # The certificate authorities this machine adds to Debian's (/usr/local/share/ca-certificates: here, the
  # registries' TLS-inspecting egress proxy) are trusted in every stand-in image too, or npm and pip inside builds
  # and containers could not reach the registries. Official images would not need this where the network is open.
  mkdir -p "$root/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
  debootstrap --variant=minbase --include=ca-certificates bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || { tail -n 20 "$work/debootstrap.log" >&2; exit 1; }
  chroot "$root" update-ca-certificates >/dev/null
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | docker import -c 'CMD ["/bin/bash"]' - local/attune-debian:12 >/dev/null
  say "local/attune-debian:12 ready in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0fs", b - a }')"
}

stage_busybox() { cp /usr/bin/busybox "$1/busybox"; }
stage_musl() {
  cp /lib/x86_64-linux-musl/libc.so "$1/ld-musl-x86_64.so.1"
  printf '#include <stdio.h>\nint main(void) { puts("hello from musl"); return 0; }\n' >"$work/hello.c"
  musl-gcc -O2 -o "$1/hello-musl" "$work/hello.c"
}
stage_temporal() { cp "$ATTUNE_TEMPORAL_CACHE/bin/temporal" "$1/temporal"; }
stage_node() {
  local node npm_dir
  node=$(bash scripts/node-lts.sh 22)
  cp "$node" "$1/node"
  npm_dir="$ATTUNE_TEMPORAL_CACHE/npm-11"
  if [ ! -f "$npm_dir/package/package.json" ]; then
    rm -rf "$npm_dir.tmp" && mkdir -p "$npm_dir.tmp"
    (cd "$npm_dir.tmp" && npm pack --silent npm@11 >/dev/null && tar -xzf npm-*.tgz && rm npm-*.tgz)
    rm -rf "$npm_dir" && mv "$npm_dir.tmp" "$npm_dir"
  fi
  cp -r "$npm_dir/package" "$1/npm"
}

[ "$(uname -m)" = x86_64 ] || { say "the stand-in images are built for x86_64 only"; exit 1; }
debian_base
build busybox local/attune-busybox:1.37
build musl local/attune-musl:1
build temporal local/attune-temporal:1.5.1
build postgres local/attune-postgres:15
build rabbitmq local/attune-rabbitmq:3
build python local/attune-python:3
build ruby local/attune-ruby:3
build node local/attune-node:22
