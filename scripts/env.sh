# shellcheck shell=bash
# Shared environment for attune-temporal local services and tests.
# Source it:  . scripts/env.sh
# Every variable is only set when not already set, so callers (CI, developers)
# can override any of them beforehand.

# Runtime state: data dirs, logs, pidfiles, "started by us" markers.
export ATTUNE_TEMPORAL_STATE="${ATTUNE_TEMPORAL_STATE:-/var/tmp/attune-temporal}"
# Cached downloaded/built binaries (temporal CLI / dev server).
export ATTUNE_TEMPORAL_CACHE="${ATTUNE_TEMPORAL_CACHE:-/var/cache/attune-temporal}"

# PostgreSQL 15 (our own cluster).
export PGPORT_TEST="${PGPORT_TEST:-55432}"
export ATTUNE__DATABASE__URL="${ATTUNE__DATABASE__URL:-postgres://postgres@127.0.0.1:${PGPORT_TEST}/attune}"

# RabbitMQ (our own node).
export AMQP_PORT_TEST="${AMQP_PORT_TEST:-55672}"
export ATTUNE__MESSAGE_QUEUE__URL="${ATTUNE__MESSAGE_QUEUE__URL:-amqp://guest:guest@127.0.0.1:${AMQP_PORT_TEST}}"

# Temporal dev server.
export TEMPORAL_ADDRESS="${TEMPORAL_ADDRESS:-127.0.0.1:7233}"
export TEMPORAL_UI_PORT="${TEMPORAL_UI_PORT:-8233}"
export TEMPORAL_NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
