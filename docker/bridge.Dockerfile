# The bridge image: `attune-temporal bridge` (Attune's worker stand-in on RabbitMQ and PostgreSQL, the workflow
# worker, the control-plane activities and the codec endpoint for the Temporal UI).
#
# Three stages, graphile-worker style:
#   build   – full dependencies, TypeScript compile, workflow bundle prebuilt (and thereby checked) at build time
#   prune   – production dependencies only, other platforms' Temporal native modules removed
#   runtime – slim Node LTS, non-root, nothing but dist/ and the pruned node_modules
#
# Build from the repository root:
#   docker build -f docker/bridge.Dockerfile -t attune-temporal/bridge .
# Works with BuildKit and with the classic builder (no BuildKit-only syntax); the root .dockerignore keeps
# node_modules, dist and .git out of the context.

# Current LTS line; the package declares node >= 20.19 and CI tests 20, 22 and 24.
ARG NODE_IMAGE=node:22-bookworm-slim

############################ build ############################
FROM ${NODE_IMAGE} AS build
WORKDIR /src
# Dependencies first: this layer is reused until the lockfile changes.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY bridge ./bridge
COPY workflows ./workflows
COPY activities ./activities
RUN npm run build
# Prebundle the workflows once, here, instead of running webpack in every bridge at start: it saves seconds and
# memory per replica, and a workflow that imports something non-deterministic fails this build rather than a
# deployment. The bridge picks it up through ATTUNE_TEMPORAL_WORKFLOW_BUNDLE (see the runtime stage). The
# OpenTelemetry workflow interceptors are bundled in, so that setting OTEL_EXPORTER_OTLP_ENDPOINT traces workflows too
# (they add no commands; without the variable their spans are dropped).
RUN node -e "\
  const { bundleWorkflowCode } = require('@temporalio/worker');\
  const { WORKFLOW_TRACING_MODULES } = require('./dist/src/telemetry/workflow-interceptor-modules');\
  const fs = require('fs');\
  bundleWorkflowCode({ workflowsPath: require.resolve('./dist/workflows'), workflowInterceptorModules: WORKFLOW_TRACING_MODULES, failureConverterPath: require.resolve('./dist/src/temporal/failure-converter') })\
    .then(({ code }) => fs.writeFileSync('dist/workflow-bundle.js', code))\
    .catch((err) => { console.error(err); process.exit(1); });"

############################ prune ############################
FROM ${NODE_IMAGE} AS prune
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force
# @temporalio/core-bridge ships prebuilt native modules for five platforms (~140 MB) plus the Rust sources. Keep only
# the one this image runs on.
RUN case "$(uname -m)" in \
      x86_64)  keep=x86_64-unknown-linux-gnu ;; \
      aarch64) keep=aarch64-unknown-linux-gnu ;; \
      *) echo "unsupported architecture $(uname -m)" >&2; exit 1 ;; \
    esac \
 && cb=node_modules/@temporalio/core-bridge \
 && find "$cb/releases" -mindepth 1 -maxdepth 1 ! -name "$keep" -exec rm -rf {} + \
 && rm -rf "$cb/sdk-core" "$cb/src" "$cb/bridge-macros" "$cb/Cargo.toml" "$cb/Cargo.lock" \
 && test -n "$(ls "$cb/releases/$keep")"

############################ runtime ############################
FROM ${NODE_IMAGE} AS runtime
# ATTUNE_TEMPORAL_WORKFLOW_BUNDLE: the prebuilt workflow bundle from the build stage, for the bridge to load instead
# of bundling at start.
ENV NODE_ENV=production \
    ATTUNE_TEMPORAL_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js \
    ATTUNE__ARTIFACTS_DIR=/opt/attune/artifacts \
    ATTUNE_TEMPORAL_HTTP_PORT=8099
WORKDIR /app
COPY --from=prune /src/node_modules ./node_modules
COPY --from=build /src/package.json ./
COPY --from=build /src/dist ./dist
# The artifacts volume is mounted here (shared with the agents). Creating it in the image lets a fresh Docker named
# volume inherit this owner; Kubernetes uses fsGroup instead.
RUN mkdir -p /opt/attune/artifacts && chown 1000:1000 /opt/attune/artifacts
# The official image's `node` user, by number so runAsNonRoot can verify it; Kubernetes may override it with runAsUser.
USER 1000:1000
EXPOSE 8099
# /readyz (ready: AMQP, PostgreSQL and Temporal answer, start finished) is served by the bridge's HTTP server; Node 22 has fetch, so no curl/wget is needed in the image.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.ATTUNE_TEMPORAL_HTTP_PORT||8099)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/src/cli/main.js"]
CMD ["bridge"]
