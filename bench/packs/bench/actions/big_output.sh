#!/bin/sh
# Prints BENCH_BYTES (parameter "bytes") of 'x' to stdout; records start and exit like trivial.sh.
start=$(date +%s%N)
read -r params
bytes=$(printf '%s' "$params" | sed -n 's/.*"bytes":\([0-9]*\).*/\1/p')
head -c "${bytes:-1073741824}" /dev/zero | tr '\0' 'x'
printf '%s %s\n' "$start" "$(date +%s%N)" > "$MARKER_DIR/t.$ATTUNE_EXEC_ID"
