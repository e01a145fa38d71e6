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
# The server itself as PID 1 under the rabbitmq user, as in the official image: Debian's wrapper
# (/usr/sbin/rabbitmq-server) would stay PID 1 in front of it and ignore SIGTERM.
if [ "$1" = rabbitmq-server ]; then
  shift
  exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups env HOME=/var/lib/rabbitmq \
    /usr/lib/rabbitmq/lib/rabbitmq_server-*/sbin/rabbitmq-server "$@"
fi
exec "$@"
