#!/bin/bash
set -euo pipefail
{
  echo "loopback_users = none"
  echo "listeners.tcp.default = 5672"
  echo "default_user = ${RABBITMQ_DEFAULT_USER:-guest}"
  echo "default_pass = ${RABBITMQ_DEFAULT_PASS:-guest}"
} >/etc/rabbitmq/rabbitmq.conf
# The broker logs to the console, as the official image does.
export RABBITMQ_LOGS=-
# Debian's wrapper drops to the rabbitmq user when started as root.
exec "$@"
