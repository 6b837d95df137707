#!/usr/bin/env bash
# A PostgreSQL 15 cluster of its own on 127.0.0.1:5444 for the fault tests: they terminate every
# backend of a pool and restart the server while workers run, which must never happen to the shared
# server on 5432. Trust auth for 127.0.0.1, user postgres, database test.
#   start    initdb once, start if not running, wait until it answers; prints KEY=VALUE lines
#   stop     stop it and remove its state
#   restart  the server restart of the fault test (`pg_ctl restart -m fast`, what
#            `pg_ctlcluster … restart` does for a Debian cluster); waits until it answers again
set -euo pipefail
# runuser, pgbouncer and pg_ctlcluster live in the sbin folders, which a non-login PATH may lack.
export PATH="$PATH:/usr/sbin:/sbin"
# The server must not inherit the lock's descriptor (9), or it would hold the lock for its lifetime:
# every command that starts it closes 9 for it.
NAME=fault-cluster
PORT=5444
MAJOR=15
BIN="/usr/lib/postgresql/$MAJOR/bin"
BASE="${OVERLAY_COMPONENTS_DIR:-/tmp/overlay-db-components}"
STATE="$BASE/$NAME"
DATA="$STATE/data"
LOG="$STATE/server.log"

# Runs a PostgreSQL binary as the postgres user (initdb and the server refuse root).
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

answers() { as_postgres "$BIN/pg_isready" -h 127.0.0.1 -p "$PORT" -q; }

wait_until_it_answers() {
  for _ in $(seq 1 120); do
    answers && return 0
    sleep 1
  done
  echo "$NAME: the server on port $PORT did not answer within 120 s (see $LOG)" >&2
  return 1
}

print_env() {
  echo "OVERLAY_FAULT_PG_URL=postgresql://postgres@127.0.0.1:$PORT/test"
  echo "OVERLAY_FAULT_PG_PORT=$PORT"
  echo "OVERLAY_FAULT_PG_DATA=$DATA"
}

start() {
  [ -x "$BIN/initdb" ] || {
    echo "$NAME: PostgreSQL $MAJOR binaries not found in $BIN" >&2
    exit 1
  }
  mkdir -p "$BASE"
  install -d -o postgres -g postgres -m 700 "$STATE"
  if [ ! -s "$DATA/PG_VERSION" ]; then
    rm -rf "$DATA"
    as_postgres "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --no-sync >"$STATE/initdb.log" 2>&1 || {
      echo "$NAME: initdb failed (see $STATE/initdb.log)" >&2
      exit 1
    }
    cat >>"$DATA/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$STATE'
max_connections = 100
fsync = off
EOF
  fi
  if ! answers; then
    as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 120 start >/dev/null 9>&- ||
      { echo "$NAME: the server did not start (see $LOG)" >&2; exit 1; }
    wait_until_it_answers
  fi
  if ! as_postgres "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -tAc \
    "select 1 from pg_database where datname = 'test'" | grep -q 1; then
    as_postgres "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -qc 'create database test' >/dev/null
  fi
}

case "${1:-}" in
start)
  mkdir -p "$BASE"
  exec 9>"$BASE/$NAME.lock"
  flock 9
  start
  print_env
  ;;
stop)
  mkdir -p "$BASE"
  exec 9>"$BASE/$NAME.lock"
  flock 9
  if [ -s "$DATA/PG_VERSION" ]; then as_postgres "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 9>&- || true; fi
  rm -rf "$STATE"
  ;;
restart)
  mkdir -p "$BASE"
  exec 9>"$BASE/$NAME.lock"
  flock 9
  [ -s "$DATA/PG_VERSION" ] || { echo "$NAME: not started" >&2; exit 1; }
  as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -m fast -w -t 120 restart >/dev/null 9>&- ||
    { echo "$NAME: the restart failed (see $LOG)" >&2; exit 1; }
  wait_until_it_answers
  ;;
*)
  echo "usage: $0 start|stop|restart" >&2
  exit 2
  ;;
esac
