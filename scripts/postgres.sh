#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for tests and benchmarks, in a temporary folder on a loopback port. Sourced:
#
#   source scripts/postgres.sh
#   trap postgres_stop EXIT # stops exactly that cluster (by its data folder) and removes it
#   postgres_start auto     # a free port (or a number); exports TEST_POSTGRES_URL (a role that may create databases)
#   postgres_start auto --no-fsync   # for tests: faster, not crash-safe (they test Leptodo, not PostgreSQL)
#   postgres_url leptodo    # prints the URL of database `leptodo` (created if missing)
#
# PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` system user, which
# Debian's server packages create. Installs the server with apt when `initdb` is missing.

PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
PG_ROLE="leptodo"
PG_PASSWORD="leptodo-test"

pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

postgres_install() {
  if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
    printf '==> installing PostgreSQL (apt)\n' >&2
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
    PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  fi
}

# A loopback port nothing listens on now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# postgres_start PORT|auto [--no-fsync]: a new cluster listening on 127.0.0.1:PORT (and a socket in its folder).
postgres_start() {
  local port="$1" durability=""
  [ "$port" != auto ] || port="$(free_port)"
  # Each test creates a database; without fsync that takes milliseconds instead of a flush of 8 MB. A cluster
  # that is thrown away after the run loses nothing by it. Benchmarks keep fsync on.
  [ "${2:-}" != "--no-fsync" ] || durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  postgres_install
  PG_DIR="$(mktemp -d /tmp/leptodo-pg.XXXXXX)"
  [ "$(id -u)" -ne 0 ] || chown postgres: "$PG_DIR"
  # Password checks over TCP (the tests prove that wrong credentials are refused); trust on the local socket,
  # which only this cluster's owner can reach, for setting the cluster up.
  pg_as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log" >&2; return 1; }
  # Many short-lived test databases, and up to three servers' pools at once.
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=300 $durability" start >/dev/null \
    || { cat "$PG_DIR/server.log" >&2; return 1; }
  PG_PORT="$port"
  pg_as_owner "$PG_BIN/psql" -h "$PG_DIR" -p "$port" -U postgres -d postgres -q -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE $PG_ROLE LOGIN CREATEDB PASSWORD '$PG_PASSWORD'" >/dev/null
  export TEST_POSTGRES_URL="postgres://$PG_ROLE:$PG_PASSWORD@127.0.0.1:$port/postgres"
  printf '==> PostgreSQL %s on 127.0.0.1:%s (%s)\n' "$("$PG_BIN/postgres" --version | awk '{print $3}')" \
    "$port" "$PG_DIR" >&2
}

# postgres_url NAME: the URL of database NAME on the cluster, created if missing.
postgres_url() {
  local name="$1"
  if ! pg_as_owner "$PG_BIN/psql" -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres -tAq \
    -c "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
    pg_as_owner "$PG_BIN/psql" -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres -q \
      -c "CREATE DATABASE $name OWNER $PG_ROLE" >/dev/null
  fi
  printf 'postgres://%s:%s@127.0.0.1:%s/%s' "$PG_ROLE" "$PG_PASSWORD" "$PG_PORT" "$name"
}

# Stops exactly the cluster postgres_start made, and removes its folder.
postgres_stop() {
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}
