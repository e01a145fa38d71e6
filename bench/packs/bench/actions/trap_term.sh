#!/bin/sh
# Waits until SIGTERM; records when it started (start.ID), its pid (pid.ID) and when TERM arrived (term.ID).
trap 'date +%s%N > "$MARKER_DIR/term.$ATTUNE_EXEC_ID"; kill "$child" 2>/dev/null; exit 143' TERM
echo "$$" > "$MARKER_DIR/pid.$ATTUNE_EXEC_ID"
sleep 600 &
child=$!
date +%s%N > "$MARKER_DIR/start.$ATTUNE_EXEC_ID"
wait "$child"
