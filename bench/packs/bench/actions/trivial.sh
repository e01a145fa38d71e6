#!/bin/sh
# Trivial action: records its own start and exit (ns since the epoch), one line "start exit".
start=$(date +%s%N)
read -r params
echo "{\"ok\":true}"
printf '%s %s\n' "$start" "$(date +%s%N)" > "$MARKER_DIR/t.$ATTUNE_EXEC_ID"
