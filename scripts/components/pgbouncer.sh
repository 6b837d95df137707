#!/usr/bin/env bash
# PgBouncer in transaction mode in front of the test server (127.0.0.1:5432), on 127.0.0.1:6441:
# the pooler that hosts put between many app processes and PostgreSQL. Every database of the test
# server is reachable through it by name (`* = host=127.0.0.1 port=5432`), so a database a test
# creates on 5432 is opened through PgBouncer as postgresql://user@127.0.0.1:6441/<name>.
#   scripts/components/pgbouncer.sh start   start if not running (idempotent); prints the URL
#   scripts/components/pgbouncer.sh stop    stop it and remove its state
# Debian's pgbouncer package may start its own service on 6432 from /etc/pgbouncer: that one is
# left alone; this one has its own config, pidfile and socket directory under the state directory.
set -euo pipefail
# runuser, pgbouncer and pg_ctlcluster live in the sbin folders, which a non-login PATH may lack.
export PATH="$PATH:/usr/sbin:/sbin"
name=pgbouncer
port=6441
root="${OVERLAY_COMPONENTS_DIR:-/tmp/overlay-db-components}"
dir="$root/$name"
pidfile="$dir/pgbouncer.pid"
url="postgresql://postgres@127.0.0.1:$port/"

fail() { echo "$name: $*" >&2; exit 1; }

running() { [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

# Whether PgBouncer answers a query on its port, through to the server on 5432.
answers() { psql -X -q -At -h 127.0.0.1 -p "$port" -U postgres -d postgres -c 'select 1' >/dev/null 2>&1; }

install_package() {
  command -v pgbouncer >/dev/null 2>&1 && return 0
  [ -x /usr/sbin/pgbouncer ] && return 0
  [ "$(id -u)" -eq 0 ] || fail "pgbouncer is not installed and this script is not root (apt-get install -y pgbouncer)"
  # Installing the package may start Debian's own service on 6432; that is not ours and stays.
  DEBIAN_FRONTEND=noninteractive apt-get install -y pgbouncer >&2 ||
    { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y pgbouncer >&2; } ||
    fail "apt-get install -y pgbouncer failed"
}

binary() { command -v pgbouncer 2>/dev/null || echo /usr/sbin/pgbouncer; }

write_config() {
  mkdir -p "$dir"
  # trust, as the test server on 127.0.0.1. PgBouncer's trust still wants the user in its auth
  # file; the tests connect as roles they create (row-level security), which no file could list in
  # advance, so any other user is looked up in the server's pg_shadow through auth_query, as
  # postgres (the file's one entry). PgBouncer logs in to the server as the client's own user.
  echo '"postgres" ""' >"$dir/userlist.txt"
  cat >"$dir/pgbouncer.ini" <<EOF
[databases]
* = host=127.0.0.1 port=5432

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir = $dir
pidfile = $pidfile
logfile = $dir/pgbouncer.log
auth_type = trust
auth_file = $dir/userlist.txt
auth_user = postgres
auth_query = select usename, passwd from pg_shadow where usename = \$1
admin_users = postgres
stats_users = postgres
pool_mode = transaction
; Many test processes, each with its own pool of client connections, share it.
max_client_conn = 2000
; Per database and user. A test holds a few transactions open at once (row locks, a held
; transaction while another runs): 8 leaves room for them, while the server's 100 connections
; are shared with everything else on the machine.
default_pool_size = 8
reserve_pool_size = 2
max_db_connections = 12
; The tests drop their databases: forget their pools soon after.
autodb_idle_timeout = 60
; pg and MikroORM send no startup option PgBouncer would refuse; a host's extra_float_digits is harmless.
ignore_startup_parameters = extra_float_digits
; The tests open and close thousands of connections; the log keeps what goes wrong.
log_connections = 0
log_disconnections = 0
EOF
  # The log exists before the daemon starts, owned by the user it runs as, so that both it and
  # this script (its stderr before it daemonizes) can write to it.
  touch "$dir/pgbouncer.log"
  chown -R postgres:postgres "$dir"
}

start() {
  mkdir -p "$root"
  exec 9>"$root/$name.lock"
  flock 9
  install_package
  if running && answers; then
    echo "OVERLAY_TEST_PGBOUNCER_URL=$url"
    return 0
  fi
  if running; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
  pg_isready -h 127.0.0.1 -p 5432 -q || fail "the test server on 127.0.0.1:5432 is not running"
  write_config
  # PgBouncer refuses to run as root; -d daemonizes once it listens. The daemon gets none of this
  # script's descriptors: not the lock (fd 9, which it would hold for ever), nor the caller's
  # stdout and stderr (a caller reading them to the end would wait for ever).
  local as=()
  [ "$(id -u)" -eq 0 ] && as=(runuser -u postgres --)
  "${as[@]}" "$(binary)" -q -d "$dir/pgbouncer.ini" 9>&- </dev/null >/dev/null 2>>"$dir/pgbouncer.log" ||
    fail "pgbouncer did not start (see $dir/pgbouncer.log)"
  for _ in $(seq 1 120); do
    answers && { echo "OVERLAY_TEST_PGBOUNCER_URL=$url"; return 0; }
    sleep 0.5
  done
  if running; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
  fail "pgbouncer started but does not answer on 127.0.0.1:$port within 60 s (see $dir/pgbouncer.log)"
}

stop() {
  mkdir -p "$root"
  exec 9>"$root/$name.lock"
  flock 9
  if running; then
    local pid
    pid="$(cat "$pidfile")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
