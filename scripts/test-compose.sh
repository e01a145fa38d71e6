#!/usr/bin/env bash
# The Compose test (npm run test:compose; scripts/test.sh runs it): the real docker/compose.yaml on a real Docker
# engine, with local stand-ins for every image (test/compose/compose.local.yaml), then test/compose/*.test.ts against
# the stack's own published ports, then `down -v` and a check that nothing of the project is left.
#
# Starts dockerd if none answers and stops it again (by pid, undoing its network changes) only if it started it.
# Prints the time of each phase. Extra arguments go to jest.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
BIN="$ATTUNE_TEMPORAL_CACHE/bin"
mkdir -p "$BIN"
export PATH="$BIN:$PATH"
PROJECT=attune-temporal-composetest
work=$(mktemp -d)
say() { printf '[test-compose] %s\n' "$*"; }
fail() { printf '[test-compose] FAIL: %s\n' "$*" >&2; exit 1; }
phase_t0=$EPOCHREALTIME
phase() { # phase NAME: the time since the previous phase ended
  say "phase $1: $(awk -v a="$phase_t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0fs", b - a }')"
  phase_t0=$EPOCHREALTIME
}
# shellcheck source=scripts/compose-common.sh
. scripts/compose-common.sh

engine_was_running=1
docker info >/dev/null 2>&1 || engine_was_running=0
compose=()
cleanup() {
  local rc=$?
  if [ "${#compose[@]}" -gt 0 ]; then
    if [ "$rc" != 0 ]; then "${compose[@]}" logs --no-color --tail 40 >&2 || true; fi
    "${compose[@]}" down -v --remove-orphans --timeout 20 >/dev/null 2>&1 || true
  fi
  [ "$engine_was_running" = 1 ] || bash scripts/services.sh down docker || true
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

bash scripts/services.sh up docker
phase engine
read -ra compose_cmd <<<"$(find_compose)"
phase "compose binary ($("${compose_cmd[@]}" version --short))"
# The Temporal CLI image is the suite's own build of the CLI.
[ -x "$BIN/temporal" ] || bash scripts/services.sh up temporal
bash scripts/compose-images.sh
phase "stand-in images"

# Fresh secrets in the formats the bridge and agents validate; ports off the defaults, which the suite's own
# services (or a developer's) may hold.
env_file="$work/compose.env"
{
  compose_secrets
  echo "ATTUNE_TEMPORAL_HTTP_PORT=18099"
  echo "PUBLISH_TEMPORAL_PORT=17233"
  echo "PUBLISH_TEMPORAL_UI_PORT=18233"
  echo "PUBLISH_POSTGRES_PORT=15432"
  echo "PUBLISH_RABBITMQ_PORT=15673"
  echo "PUBLISH_RABBITMQ_UI_PORT=25672"
} >"$env_file"
# Only the env file speaks to Compose: the caller's environment (scripts/env.sh exports TEMPORAL_* and more) would
# take precedence over it in the file's ${…} substitutions.
compose=(env -i "PATH=$PATH" "HOME=$HOME" COMPOSE_DISABLE_ENV_FILE=1 "${compose_cmd[@]}" -p "$PROJECT"
  -f docker/compose.yaml -f test/compose/compose.local.yaml --env-file "$env_file")
"${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true # a previous run's leftovers

"${compose[@]}" build >"$work/build.log" 2>&1 || { tail -n 60 "$work/build.log" >&2; fail "docker compose build"; }
phase "project images (bridge.Dockerfile, Dockerfile.agent)"
for image in attune-temporal/bridge:dev attune-temporal/agent-init:dev; do
  say "$image: $(docker image inspect --format '{{.Size}}' "$image" | awk '{ printf "%.0f MB", $1 / 1e6 }')"
done

"${compose[@]}" up -d >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; fail "docker compose up"; }
# Healthy = the bridge's /readyz (its health check); the one-shot services must have exited 0.
deadline=$((SECONDS + 180))
until [ "$(docker inspect --format '{{.State.Health.Status}}' "$("${compose[@]}" ps -q bridge)" 2>/dev/null)" = healthy ]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "the bridge did not become healthy within 180 s"
  sleep 2
done
for job in prepare-volumes init-agent; do
  code=$(docker inspect --format '{{.State.ExitCode}}' "$("${compose[@]}" ps -aq "$job")")
  [ "$code" = 0 ] || fail "$job exited $code"
done
phase "docker compose up (bridge healthy)"

COMPOSE_TEST_ENV_FILE="$env_file" COMPOSE_TEST_ARGS="$(node -e 'console.log(JSON.stringify(process.argv.slice(1)))' "${compose[@]}")" \
  npx jest --selectProjects compose --runInBand "$@"
phase "tests"

"${compose[@]}" down -v --remove-orphans --timeout 30 >/dev/null 2>&1
left=$(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT"; docker volume ls -q --filter "label=com.docker.compose.project=$PROJECT"; docker network ls -q --filter "label=com.docker.compose.project=$PROJECT")
[ -z "$left" ] || fail "docker compose down -v left: $left"
compose=()
phase "docker compose down -v (nothing left)"
