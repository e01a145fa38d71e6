# shellcheck shell=bash
# Docker engine for the Compose test (sourced by scripts/services.sh; not among the default services: select it with
# `scripts/services.sh up docker`). Debian's docker.io (20.10 engine, containerd, runc); no systemd here, so dockerd
# is started in the background by us. Its data root is in the cache, so locally built images survive between runs
# like the Temporal binary.
#
# dockerd changes the host's network: iptables chains and `FORWARD DROP`, ip_forward=1, the docker0 bridge (and
# br-* bridges for networks still defined), a bind mount under its exec root. `up` records the state before, `down`
# stops the daemon by pid (only if we started it) and puts that state back.

DOCKER_DATA="$CACHE/docker"
DOCKER_EXEC="$STATE/docker-exec"
DOCKER_PID="$STATE/dockerd.pid"
DOCKER_LOG="$LOGS/dockerd.log"
DOCKER_SAVED="$STATE/docker-host-state"

docker_answers() { timeout 10 docker info >/dev/null 2>&1; }

up_docker() {
  t_start
  if docker_answers; then
    [ -f "$STARTED/docker" ] && log "docker: ours, running (pid $(read_pid "$DOCKER_PID"))" || log "docker: an engine already answers; using it"
    return 0
  fi
  command -v dockerd >/dev/null 2>&1 || apt_install docker.io || svc_fail docker "apt-get install docker.io failed" "$LOGS/apt.log"
  mkdir -p "$DOCKER_DATA" "$DOCKER_EXEC" "$DOCKER_SAVED"
  # What dockerd will change, to be restored by down_docker.
  sysctl -n net.ipv4.ip_forward >"$DOCKER_SAVED/ip_forward" 2>/dev/null || echo 0 >"$DOCKER_SAVED/ip_forward"
  if command -v iptables-save >/dev/null 2>&1; then
    iptables-save >"$DOCKER_SAVED/iptables" 2>/dev/null || rm -f "$DOCKER_SAVED/iptables"
  fi
  echo "$DOCKER_DATA" >"$STARTED/docker"
  log "docker: starting dockerd (data root $DOCKER_DATA, log $DOCKER_LOG)"
  setsid dockerd --data-root "$DOCKER_DATA" --exec-root "$DOCKER_EXEC" --pidfile "$DOCKER_PID" \
    --host unix:///var/run/docker.sock >"$DOCKER_LOG" 2>&1 </dev/null 8>&- 9>&- &
  local n=300
  until docker_answers; do
    n=$((n - 1))
    [ "$n" -gt 0 ] || svc_fail docker "dockerd did not answer within 60s" "$DOCKER_LOG"
    sleep 0.2
  done
  log "docker: ready (pid $(read_pid "$DOCKER_PID"), $(docker version --format 'engine {{.Server.Version}}' 2>/dev/null)) in $(t_elapsed)"
}

# restore_iptables DUMP: the filter and nat tables as iptables-save printed them before dockerd started. A table the
# dump lacks did not exist then: it is emptied, with its built-in chains' policies back to ACCEPT.
restore_iptables() {
  local dump=$1 table chain
  [ ! -s "$dump" ] || iptables-restore <"$dump" 2>/dev/null || log "docker: could not restore iptables from $dump"
  for table in filter nat; do
    grep -qx "\*$table" "$dump" && continue
    iptables -t "$table" -F 2>/dev/null || continue
    iptables -t "$table" -X 2>/dev/null || true
    for chain in $(iptables -t "$table" -S 2>/dev/null | awk '$1 == "-P" { print $2 }'); do
      iptables -t "$table" -P "$chain" ACCEPT 2>/dev/null || true
    done
  done
}

down_docker() {
  [ -f "$STARTED/docker" ] || { log "docker: not started by us; left alone"; return 0; }
  local pid
  pid="$(read_pid "$DOCKER_PID")"
  # Containers first (dockerd would stop them too, but with its own 10 s timeouts per container).
  if docker_answers; then
    # shellcheck disable=SC2046 # a list of ids
    docker rm -f $(docker ps -aq) >/dev/null 2>&1 || true
  fi
  [ -z "$pid" ] || kill_ours "$pid" dockerd docker
  # containerd is dockerd's child and ends with it; a shim of a container that was still running may not.
  pkill -f "containerd-shim.*$DOCKER_EXEC" 2>/dev/null || true
  # The host's network as it was before `up`.
  local link
  for link in $(ip -o link show type bridge 2>/dev/null | awk -F': ' '{print $2}' | grep -E '^(docker0|br-[0-9a-f]{12})$' || true); do
    ip link delete "$link" 2>/dev/null || true
  done
  [ ! -f "$DOCKER_SAVED/iptables" ] || restore_iptables "$DOCKER_SAVED/iptables"
  [ -f "$DOCKER_SAVED/ip_forward" ] && sysctl -qw "net.ipv4.ip_forward=$(cat "$DOCKER_SAVED/ip_forward")" 2>/dev/null || true
  grep -F " $DOCKER_EXEC" /proc/mounts | awk '{print $2}' | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$DOCKER_EXEC" "$DOCKER_SAVED" "$DOCKER_PID" "$STARTED/docker"
  log "docker: stopped, host network state restored"
}

status_docker() {
  if docker_answers; then echo "docker: running$([ -f "$STARTED/docker" ] && echo " (ours, pid $(read_pid "$DOCKER_PID"))")"; return 0; fi
  echo "docker: not running"
  return 1
}
