#!/bin/sh
# Reads the parameters (one JSON line on stdin) and greets; prints JSON for output_format=json.
read -r params
name=$(printf '%s' "$params" | sed -n 's/.*"name":"\([^"]*\)".*/\1/p')
echo "hello from $(uname -n) in pack ${ATTUNE_PACK_REF}, execution ${ATTUNE_EXEC_ID}" >&2
printf '{"greeting":"hello, %s","execution":%s}\n' "${name:-world}" "${ATTUNE_EXEC_ID}"
