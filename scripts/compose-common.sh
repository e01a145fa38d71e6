# shellcheck shell=bash
# What scripts/validate-deploy.sh and scripts/test-compose.sh share (sourced; expects BIN, the cache's bin directory,
# work, a scratch directory, say and fail):
#   find_compose     prints the Compose v2 command ("docker compose" or the cached standalone binary), building it once
#   compose_secrets  prints fresh values, in the formats the bridge and agents validate, for every secret
#                    docker/.env.example lists
# Debian (bookworm) has no Compose v2 plugin, only the Python docker-compose 1.29, which predates parts of the Compose
# specification this file uses (top-level `name`). Compose v2 is a Go module, but `go install …@version` refuses it
# (its go.mod has exclude directives), so it is built from the module's source as downloaded from the module proxy.
COMPOSE_VERSION="${COMPOSE_VERSION:-v2.40.3}"
find_compose() {
  if docker compose version >/dev/null 2>&1; then echo "docker compose"; return; fi
  if [ ! -x "$BIN/docker-compose" ]; then
    command -v go >/dev/null || fail "no docker compose plugin and no Go toolchain to build it"
    say "building Docker Compose $COMPOSE_VERSION from its Go module (once; cached in $BIN)" >&2
    local dir src="$work/compose-src"
    dir=$(go mod download -json "github.com/docker/compose/v2@$COMPOSE_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    [ -n "$dir" ] || fail "could not download github.com/docker/compose/v2@$COMPOSE_VERSION"
    cp -r "$dir" "$src" && chmod -R u+w "$src"
    (cd "$src" && go build -trimpath -ldflags "-X github.com/docker/compose/v2/internal.Version=$COMPOSE_VERSION" \
      -o "$BIN/docker-compose.tmp" ./cmd) >&2 || fail "building Docker Compose failed"
    mv "$BIN/docker-compose.tmp" "$BIN/docker-compose"
  fi
  # Also register it as the docker CLI plugin, so `docker compose` works for people on this machine.
  mkdir -p "$HOME/.docker/cli-plugins"
  ln -sf "$BIN/docker-compose" "$HOME/.docker/cli-plugins/docker-compose"
  if docker compose version >/dev/null 2>&1; then echo "docker compose"; else echo "$BIN/docker-compose"; fi
}


compose_secrets() {
  echo "POSTGRES_PASSWORD=$(openssl rand -hex 16)"
  echo "RABBITMQ_PASSWORD=$(openssl rand -hex 16)"
  echo "ATTUNE_TEMPORAL_CODEC_KEYS=k1:$(openssl rand -base64 32)"
  for pool in PYTHON RUBY NODE SHELL; do echo "${pool}_POOL_KEYS=k1:$(openssl rand -base64 32)"; done
  echo "ATTUNE_TEMPORAL_CODEC_TOKEN=$(openssl rand -hex 24)"
  echo "ATTUNE__SECURITY__ENCRYPTION_KEY=$(openssl rand -hex 32)"
  echo "ATTUNE__SECURITY__JWT_SECRET=$(openssl rand -hex 32)"
  echo "GRAFANA_ADMIN_PASSWORD=$(openssl rand -hex 16)"
}
