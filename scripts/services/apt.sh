# shellcheck shell=bash
# Package installation for scripts/services.sh (sourced by it): apt_install, which
# keeps maintainer scripts from starting system-wide daemons via a temporary
# /usr/sbin/policy-rc.d (removed again on exit by the EXIT trap set here).

APT_POLICY_CREATED=0
cleanup_on_exit() {
  if [ "$APT_POLICY_CREATED" = 1 ]; then as_root rm -f /usr/sbin/policy-rc.d || true; fi
}
trap cleanup_on_exit EXIT

# apt_install PKG...: apt-get update only when the package is unknown or install fails.
apt_install() {
  local p need_update=0 rc=0 alog="$LOGS/apt.log"
  mkdir -p "$LOGS"
  command -v apt-get >/dev/null 2>&1 || { log "apt-get not available; install $* manually"; return 1; }
  export DEBIAN_FRONTEND=noninteractive
  # Keep package maintainer scripts from starting system-wide instances
  # (we run our own, on our own ports).
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    if printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null 2>&1 &&
      as_root chmod 755 /usr/sbin/policy-rc.d; then
      APT_POLICY_CREATED=1
    fi
  fi
  for p in "$@"; do
    apt-cache show "$p" >/dev/null 2>&1 || need_update=1
  done
  if [ "$need_update" = 1 ]; then
    log "apt-get update (log: $alog)"
    as_root apt-get update >>"$alog" 2>&1 || rc=$?
  fi
  log "apt-get install -y $* (log: $alog)"
  if ! as_root apt-get install -y "$@" >>"$alog" 2>&1; then
    rc=1
    if [ "$need_update" = 0 ]; then
      log "install failed; retrying after apt-get update"
      as_root apt-get update >>"$alog" 2>&1 && as_root apt-get install -y "$@" >>"$alog" 2>&1 && rc=0
    fi
  fi
  if [ "$APT_POLICY_CREATED" = 1 ]; then as_root rm -f /usr/sbin/policy-rc.d || true; APT_POLICY_CREATED=0; fi
  return "$rc"
}
