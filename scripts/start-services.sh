#!/usr/bin/env bash
# Make sure the servers the tests talk to are up: PostgreSQL on 127.0.0.1:5432 and Redis on
# 127.0.0.1:6379. Start a stopped one with the machine's own commands; when a server is not
# installed at all, say so LOUDLY - the tests that need it will then skip, and only those.
set -u

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  for _ in $(seq 1 30); do port_open "$1" && return 0; sleep 0.5; done
  return 1
}

loud() {
  echo "################################################################################" >&2
  echo "## $1" >&2
  echo "## Tests that need it will be SKIPPED." >&2
  echo "################################################################################" >&2
}

if ! port_open 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && ls /etc/postgresql >/dev/null 2>&1; then
    echo "starting PostgreSQL ..." >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  wait_port 5432 || loud "NO POSTGRESQL on 127.0.0.1:5432 and it could not be started."
fi

if ! port_open 6379; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "starting Redis ..." >&2
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  fi
  wait_port 6379 || loud "NO REDIS on 127.0.0.1:6379 and it could not be started."
fi
exit 0
