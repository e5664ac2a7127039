#!/usr/bin/env bash
# Make sure what the tests talk to is there: PostgreSQL on 127.0.0.1:5432, Redis on
# 127.0.0.1:6379, and Debian's Chromium at /usr/bin/chromium for the browser tests. Start a
# stopped server with the machine's own commands and install a missing Chromium from Debian's
# packages; when that is impossible, say so LOUDLY - the tests that need it will then skip, and
# only those.
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
if [ ! -x /usr/bin/chromium ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    echo "installing Debian's chromium for the browser tests (once per machine) ..." >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
      >/tmp/loopml-chromium-install.log 2>&1 || true
  fi
  [ -x /usr/bin/chromium ] || loud "NO CHROMIUM at /usr/bin/chromium and it could not be installed."
fi
exit 0
