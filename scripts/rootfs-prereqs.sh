#!/usr/bin/env bash
# Installs what `attune-temporal bundle` and the rootfs tests need, idempotently: gcc (the launcher preload
# library), patchelf (bundle),
# musl-tools (static launcher), busybox-static / debootstrap (test root filesystems), qemu-user-static
# (aarch64 bundle smoke test), gcc-aarch64-linux-gnu (static aarch64 launcher), zstd (compression).
set -euo pipefail
pkgs=(gcc libc6-dev patchelf busybox-static musl-tools musl-dev debootstrap qemu-user-static zstd gzip binutils-aarch64-linux-gnu gcc-aarch64-linux-gnu libc6-dev-arm64-cross util-linux file)
missing=()
for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if ! dpkg --print-foreign-architectures | grep -qx arm64; then dpkg --add-architecture arm64; need_update=1; fi
if [ "${#missing[@]}" -gt 0 ] || [ -n "${need_update:-}" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  [ "${#missing[@]}" -eq 0 ] || apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
