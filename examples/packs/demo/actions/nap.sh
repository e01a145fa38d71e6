#!/bin/sh
# Sleeps for the `seconds` parameter (default 5), then says so; for cancels and drains.
read -r params
seconds=$(printf '%s' "$params" | sed -n 's/.*"seconds":\([0-9]*\).*/\1/p')
sleep "${seconds:-5}"
printf '{"slept":%s}\n' "${seconds:-5}"
