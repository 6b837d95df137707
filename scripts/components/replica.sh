#!/usr/bin/env bash
# A streaming hot standby for the replica tests: a PostgreSQL 15 primary of its own on
# 127.0.0.1:5442 and a standby on 5443 made from it with pg_basebackup, streaming (trust auth, user
# postgres). The tests stop the standby mid-run and pause its replay, which must never happen to the
# shared server on 5432. pg_stat_statements is loaded on both, so a test can count where a statement ran.
#   start          initdb / pg_basebackup once, start both if not running, wait until a row written on
#                  the primary is visible on the standby; prints KEY=VALUE lines
#   stop           stop both and remove their state
#   standby-stop [fast|immediate]   stop the standby only (default fast)
#   standby-start  start the standby again and wait until it streams (a row written now is visible)
set -euo pipefail
# runuser, pgbouncer and pg_ctlcluster live in the sbin folders, which a non-login PATH may lack.
export PATH="$PATH:/usr/sbin:/sbin"
NAME=replica
PRIMARY_PORT=5442
STANDBY_PORT=5443
MAJOR=15
BIN="/usr/lib/postgresql/$MAJOR/bin"
BASE="${OVERLAY_COMPONENTS_DIR:-/tmp/overlay-db-components}"
STATE="$BASE/$NAME"
PRIMARY="$STATE/primary"
STANDBY="$STATE/standby"
SCRIPT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"

# Runs a PostgreSQL binary as the postgres user (initdb and the server refuse root).
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

answers() { as_postgres "$BIN/pg_isready" -h 127.0.0.1 -p "$1" -q; }

sql() { as_postgres "$BIN/psql" -h 127.0.0.1 -p "$1" -U postgres -d postgres -X -qtAc "$2"; }

print_env() {
  echo "OVERLAY_TEST_REPLICA_PRIMARY_URL=postgresql://postgres@127.0.0.1:$PRIMARY_PORT/postgres"
  echo "OVERLAY_TEST_REPLICA_STANDBY_URL=postgresql://postgres@127.0.0.1:$STANDBY_PORT/postgres"
  echo "OVERLAY_TEST_REPLICA_PRIMARY_DATA=$PRIMARY"
  echo "OVERLAY_TEST_REPLICA_STANDBY_DATA=$STANDBY"
  echo "OVERLAY_TEST_REPLICA_PG_CTL=$BIN/pg_ctl"
  # `$SCRIPT standby-stop immediate` / `$SCRIPT standby-start` (run as root or postgres).
  echo "OVERLAY_TEST_REPLICA_SCRIPT=$SCRIPT"
}

start_server() { # data dir, port, log
  if ! answers "$2"; then
    # fd 9 (the lock) closed: a server that inherited it would hold the lock for its whole life.
    as_postgres "$BIN/pg_ctl" -D "$1" -l "$3" -w -t 120 start >/dev/null 9>&- ||
      { echo "$NAME: the server on port $2 did not start (see $3)" >&2; exit 1; }
  fi
  for _ in $(seq 1 120); do
    answers "$2" && return 0
    sleep 1
  done
  echo "$NAME: the server on port $2 did not answer within 120 s (see $3)" >&2
  exit 1
}

# The standby is in recovery and a row written on the primary now is visible on it.
wait_until_it_streams() {
  local token
  token="$(date +%s%N)$$"
  sql "$PRIMARY_PORT" "set client_min_messages = warning; create table if not exists replica_check (token text); insert into replica_check values ('$token')" >/dev/null
  for _ in $(seq 1 240); do
    if [ "$(sql "$STANDBY_PORT" 'select pg_is_in_recovery()' 2>/dev/null)" = "t" ] &&
      [ "$(sql "$STANDBY_PORT" "select count(*) from replica_check where token = '$token'" 2>/dev/null)" = "1" ]; then
      return 0
    fi
    sleep 0.5
  done
  echo "$NAME: the standby on port $STANDBY_PORT did not show a row written on the primary within 120 s (see $STATE/standby.log)" >&2
  exit 1
}

start_primary() {
  if [ ! -s "$PRIMARY/PG_VERSION" ]; then
    rm -rf "$PRIMARY" "$STANDBY"
    as_postgres "$BIN/initdb" -D "$PRIMARY" -U postgres --auth=trust -E UTF8 --no-sync >"$STATE/initdb.log" 2>&1 || {
      echo "$NAME: initdb failed (see $STATE/initdb.log)" >&2
      exit 1
    }
    cat >>"$PRIMARY/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PRIMARY_PORT
unix_socket_directories = '$STATE'
max_connections = 100
fsync = off
wal_level = replica
max_wal_senders = 10
wal_keep_size = 256MB
hot_standby = on
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
EOF
    echo "host replication postgres 127.0.0.1/32 trust" >>"$PRIMARY/pg_hba.conf"
  fi
  start_server "$PRIMARY" "$PRIMARY_PORT" "$STATE/primary.log"
}

start_standby() {
  if [ ! -s "$STANDBY/PG_VERSION" ] || [ ! -e "$STANDBY/standby.signal" ]; then
    rm -rf "$STANDBY"
    as_postgres "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$STANDBY" -R -X stream \
      >"$STATE/basebackup.log" 2>&1 || {
      echo "$NAME: pg_basebackup failed (see $STATE/basebackup.log)" >&2
      exit 1
    }
    # The copy has the primary's settings; only the port differs.
    echo "port = $STANDBY_PORT" >>"$STANDBY/postgresql.auto.conf"
  fi
  start_server "$STANDBY" "$STANDBY_PORT" "$STATE/standby.log"
  wait_until_it_streams
}

start() {
  [ -x "$BIN/pg_basebackup" ] || {
    echo "$NAME: PostgreSQL $MAJOR binaries not found in $BIN" >&2
    exit 1
  }
  install -d -o postgres -g postgres -m 700 "$STATE"
  start_primary
  start_standby
}

stop_server() { # data dir, mode
  if [ -s "$1/postmaster.pid" ]; then
    as_postgres "$BIN/pg_ctl" -D "$1" -m "$2" -w -t 120 stop >/dev/null 2>&1 || true
  fi
}

mkdir -p "$BASE"
exec 9>"$BASE/$NAME.lock"
flock 9
case "${1:-}" in
start)
  start
  print_env
  ;;
stop)
  stop_server "$STANDBY" fast
  stop_server "$PRIMARY" fast
  rm -rf "$STATE"
  ;;
standby-stop)
  mode="${2:-fast}"
  case "$mode" in fast | immediate) ;; *) echo "usage: $0 standby-stop [fast|immediate]" >&2; exit 2 ;; esac
  stop_server "$STANDBY" "$mode"
  ;;
standby-start)
  start_primary
  start_standby
  ;;
*)
  echo "usage: $0 start|stop|standby-stop [fast|immediate]|standby-start" >&2
  exit 2
  ;;
esac
