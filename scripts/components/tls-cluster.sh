#!/usr/bin/env bash
# A PostgreSQL 15 cluster of its own with TLS on port 5441 (127.0.0.1 and ::1), for the TLS tests:
# a CA made here signs its server certificate, whose names are DNS:localhost and IP:127.0.0.1 (not
# ::1, so that verify-full to [::1] is the wrong-host-name case). pg_hba admits TLS connections only
# (hostssl, trust) and rejects plain ones, so a test that connects at all connected over TLS.
# A second CA, which signed nothing here, is the "wrong CA". The role certuser signs in with a client
# certificate only (pg_hba `cert`), for the sslcert/sslkey tests.
#   start    make the certificates and initdb once, start if not running, wait; prints KEY=VALUE lines
#   stop     stop it and remove its state
set -euo pipefail
# runuser, pgbouncer and pg_ctlcluster live in the sbin folders, which a non-login PATH may lack.
export PATH="$PATH:/usr/sbin:/sbin"
NAME=tls-cluster
PORT=5441
MAJOR=15
BIN="/usr/lib/postgresql/$MAJOR/bin"
BASE="${OVERLAY_COMPONENTS_DIR:-/tmp/overlay-db-components}"
STATE="$BASE/$NAME"
DATA="$STATE/data"
CERTS="$STATE/certs"
LOG="$STATE/server.log"

# Runs a PostgreSQL binary as the postgres user (initdb and the server refuse root).
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Over the cluster's own socket directory: the TCP side takes TLS only and pg_isready speaks none.
answers() { as_postgres "$BIN/pg_isready" -h "$STATE" -p "$PORT" -q; }

wait_until_it_answers() {
  for _ in $(seq 1 120); do
    answers && return 0
    sleep 1
  done
  echo "$NAME: the server on port $PORT did not answer within 120 s (see $LOG)" >&2
  return 1
}

print_env() {
  echo "OVERLAY_TEST_TLS_URL=postgresql://postgres@localhost:$PORT/postgres"
  echo "OVERLAY_TEST_TLS_PORT=$PORT"
  echo "OVERLAY_TEST_TLS_CA=$CERTS/ca.crt"
  echo "OVERLAY_TEST_TLS_WRONG_CA=$CERTS/wrong-ca.crt"
  echo "OVERLAY_TEST_TLS_CERT_USER=certuser"
  echo "OVERLAY_TEST_TLS_CLIENT_CERT=$CERTS/client.crt"
  echo "OVERLAY_TEST_TLS_CLIENT_KEY=$CERTS/client.key"
}

make_certificates() {
  [ -s "$CERTS/server.crt" ] && [ -s "$CERTS/wrong-ca.crt" ] && [ -s "$CERTS/client.crt" ] && return 0
  command -v openssl >/dev/null || {
    echo "$NAME: openssl is not installed" >&2
    exit 1
  }
  rm -rf "$CERTS"
  install -d -m 755 "$CERTS"
  (
    cd "$CERTS"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=overlay-db test CA" \
      -keyout ca.key -out ca.crt
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=overlay-db wrong CA" \
      -keyout wrong-ca.key -out wrong-ca.crt
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile server.ext -out server.crt
    # A client certificate for the role certuser (pg_hba `cert` matches the CN to the user name).
    openssl req -newkey rsa:2048 -nodes -subj "/CN=certuser" -keyout client.key -out client.csr
    openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -out client.crt
  ) >"$STATE/openssl.log" 2>&1 || {
    echo "$NAME: openssl failed (see $STATE/openssl.log)" >&2
    exit 1
  }
  chmod 644 "$CERTS"/*.crt
  # The server refuses a key that others can read; the CA keys are of no use after this.
  chown postgres:postgres "$CERTS/server.key" 2>/dev/null || true
  chmod 600 "$CERTS/server.key" "$CERTS/ca.key" "$CERTS/wrong-ca.key"
  chmod 600 "$CERTS/client.key" # libpq refuses a key others can read; the tests run as this user
}

start() {
  [ -x "$BIN/initdb" ] || {
    echo "$NAME: PostgreSQL $MAJOR binaries not found in $BIN" >&2
    exit 1
  }
  mkdir -p "$BASE"
  install -d -o postgres -g postgres -m 700 "$STATE"
  chmod 711 "$STATE" # the tests (any user) read the CA certificates under it
  make_certificates
  if [ ! -s "$DATA/PG_VERSION" ]; then
    rm -rf "$DATA"
    as_postgres "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --no-sync >"$STATE/initdb.log" 2>&1 || {
      echo "$NAME: initdb failed (see $STATE/initdb.log)" >&2
      exit 1
    }
    cat >>"$DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1,::1'
port = $PORT
unix_socket_directories = '$STATE'
max_connections = 60
fsync = off
ssl = on
ssl_cert_file = '$CERTS/server.crt'
ssl_key_file = '$CERTS/server.key'
ssl_ca_file = '$CERTS/ca.crt'
CONF
    cat >"$DATA/pg_hba.conf" <<HBA
local     all all               trust
hostssl   all certuser 127.0.0.1/32 cert
hostssl   all certuser ::1/128  cert
hostssl   all all 127.0.0.1/32  trust
hostssl   all all ::1/128       trust
hostnossl all all 127.0.0.1/32  reject
hostnossl all all ::1/128       reject
HBA
  fi
  if ! answers; then
    # 9>&-: the server must not inherit the lock's descriptor, or it holds the lock for its lifetime.
    as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 120 start >/dev/null 9>&- ||
      { echo "$NAME: the server did not start (see $LOG)" >&2; exit 1; }
    wait_until_it_answers
  fi
  if ! as_postgres "$BIN/psql" -h "$STATE" -p "$PORT" -U postgres -d postgres -tAc \
    "select 1 from pg_roles where rolname = 'certuser'" | grep -q 1; then
    as_postgres "$BIN/psql" -h "$STATE" -p "$PORT" -U postgres -d postgres -qc 'create role certuser login createdb' >/dev/null
  fi
}

stop() {
  if [ -s "$DATA/PG_VERSION" ]; then
    as_postgres "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 120 stop >/dev/null 2>&1 || true
  fi
  rm -rf "$STATE"
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
  stop
  ;;
*)
  echo "usage: $0 start|stop" >&2
  exit 2
  ;;
esac
