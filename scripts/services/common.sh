# shellcheck shell=bash
# Shared helpers for scripts/services.sh (sourced by it, not run on its own):
# paths of the runtime state (data, logs, pidfiles, "started by us" markers),
# logging, root, loopback port checks, pid bookkeeping, timing and svc_fail.
# Expects scripts/env.sh to be sourced first.

HOST=127.0.0.1
STATE="$ATTUNE_TEMPORAL_STATE"
# shellcheck disable=SC2034 # used by temporal.sh
CACHE="$ATTUNE_TEMPORAL_CACHE"
STARTED="$STATE/started"
LOGS="$STATE/logs"

log() { printf '[services] %s\n' "$*" >&2; }

is_root() { [ "$(id -u)" -eq 0 ]; }

as_root() {
  if is_root; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else log "need root to run: $*"; return 1
  fi
}

# TCP connect test on loopback.
port_open() { timeout 2 bash -c ': >"/dev/tcp/$0/$1"' "$HOST" "$1" 2>/dev/null; }

# Alive and not a zombie (orphans may linger as zombies when pid 1 reaps slowly).
pid_alive() {
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
  local st
  st="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" || st=""
  [ "$st" != Z ] && [ "$st" != X ]
}

# pid_matches PID SUBSTRING: process is alive and its command line contains SUBSTRING
# (guards against killing an unrelated process that reused a recorded pid).
pid_matches() {
  local pid="${1:-}" pat="$2"
  pid_alive "$pid" || return 1
  [ -r "/proc/$pid/cmdline" ] || return 0 # no procfs: trust the pidfile
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$pat"
}

read_pid() { [ -f "$1" ] && head -n1 "$1" 2>/dev/null | tr -dc '0-9' || true; }

# await_pidfile FILE: the pid a just-started process writes there, once it appears (up to 5 s); empty if it never does.
await_pidfile() {
  local n=50 pid=""
  while [ "$n" -gt 0 ]; do
    pid="$(read_pid "$1")"
    [ -n "$pid" ] && break
    sleep 0.1
    n=$((n - 1))
  done
  printf '%s' "$pid"
}

# wait_pid_gone PID SECONDS
wait_pid_gone() {
  local pid="$1" n=$(( $2 * 10 ))
  while [ "$n" -gt 0 ] && pid_alive "$pid"; do sleep 0.1; n=$((n - 1)); done
  ! pid_alive "$pid"
}

# kill_ours PID SUBSTRING NAME: TERM, wait, KILL - only if the pid still is ours.
kill_ours() {
  local pid="$1" pat="$2" name="$3"
  pid_matches "$pid" "$pat" || return 0
  log "$name: sending TERM to pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_pid_gone "$pid" 30; then
    log "$name: pid $pid still alive after 30s, sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_pid_gone "$pid" 10 || true
  fi
}

t_start() { T0="$EPOCHREALTIME"; }
t_elapsed() { awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1fs", b - a }'; }

# svc_fail SERVICE REASON [LOGFILE...]: one-line reason, tail of logs, stop what
# we started for that service, exit 1.
svc_fail() {
  local svc="$1" reason="$2" f tails=""
  shift 2
  for f in "$@"; do
    if [ -s "$f" ]; then
      tails+="----- last 20 lines of $f -----"$'\n'"$(tail -n 20 "$f")"$'\n'
    fi
  done
  if [ -f "$STARTED/$svc" ]; then "down_$svc" >/dev/null 2>&1 || true; fi
  printf 'ERROR: %s could not start: %s\n' "$svc" "$reason" >&2
  [ -z "$tails" ] || printf '%s' "$tails" >&2
  exit 1
}

ensure_state_dirs() {
  mkdir -p "$STATE" "$STARTED" "$LOGS"
}
