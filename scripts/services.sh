#!/usr/bin/env bash
# Local backing services for attune-temporal: PostgreSQL 15, RabbitMQ, Temporal dev server.
#
#   scripts/services.sh up     [pg|rabbitmq|temporal|docker ...]   install if missing, start, wait until ready
#                                                      (docker, the engine for the Compose test, only by name)
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
#
# This file is only the dispatcher; the implementation is sourced from
# scripts/services/: common.sh (paths, helpers), apt.sh (package installs) and one
# file per service (pg.sh, rabbitmq.sh, temporal.sh) defining up_<svc>, down_<svc>
# and status_<svc>.
set -euo pipefail
umask 022

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/env.sh
. "$SCRIPT_DIR/env.sh"
# shellcheck source=scripts/services/common.sh
. "$SCRIPT_DIR/services/common.sh"
# shellcheck source=scripts/services/apt.sh
. "$SCRIPT_DIR/services/apt.sh"
# shellcheck source=scripts/services/pg.sh
. "$SCRIPT_DIR/services/pg.sh"
# shellcheck source=scripts/services/rabbitmq.sh
. "$SCRIPT_DIR/services/rabbitmq.sh"
# shellcheck source=scripts/services/temporal.sh
. "$SCRIPT_DIR/services/temporal.sh"
# shellcheck source=scripts/services/docker.sh
. "$SCRIPT_DIR/services/docker.sh"

# Started by `up` without arguments. The Docker engine (for the Compose test) only when asked for by name.
DEFAULT_SERVICES=(pg rabbitmq temporal)
ALL_SERVICES=(pg rabbitmq temporal docker)

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
    docker | dockerd) echo docker ;;
    *) echo "unknown service: $1 (expected pg, rabbitmq, temporal or docker)" >&2; exit 2 ;;
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
    selected=("${DEFAULT_SERVICES[@]}")
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
