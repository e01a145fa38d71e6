#!/bin/sh
# Every chaos action: records its start in MARKER_DIR/runs (the run-twice detector: one line per start), then
# does what "mode" says: sleep "seconds", fail, print "bytes" bytes to stdout, or report the size and SHA-256 of its
# parameters (several MiB of them). Parameters arrive on stdin as one JSON line.
echo "$ATTUNE_EXEC_ID" >> "$MARKER_DIR/runs" || exit 97
f=$(mktemp)
cat > "$f"
num() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" "$f" | head -n 1; }
mode=$(sed -n 's/.*"mode":"\([a-z]*\)".*/\1/p' "$f" | head -n 1)
case "$mode" in
  sleep) sleep "$(num seconds)"; echo '{"slept":true}' ;;
  output) head -c "$(num bytes)" /dev/zero | tr '\0' 'x'; echo ;;
  params) printf '{"bytes":%s,"sha256":"%s"}\n' "$(wc -c < "$f" | tr -d ' ')" "$(sha256sum "$f" | cut -d' ' -f1)" ;;
  fail) echo "failing on purpose" >&2; exit 1 ;;
  *) echo '{"ok":true}' ;;
esac
rm -f "$f"
