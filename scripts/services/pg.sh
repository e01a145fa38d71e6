# shellcheck shell=bash
# PostgreSQL 15 for scripts/services.sh (sourced by it): our own cluster in
# $ATTUNE_TEMPORAL_STATE/pg on 127.0.0.1:$PGPORT_TEST with database "attune".
# Defines up_pg, down_pg, status_pg.

PG_MAJOR=15
PG_BIN="/usr/lib/postgresql/$PG_MAJOR/bin"
PG_PORT="$PGPORT_TEST"
PG_DATA="$STATE/pg"
PG_SOCK="$STATE/pg-socket"
PG_LOG="$LOGS/pg.log"
PG_DB=attune

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
