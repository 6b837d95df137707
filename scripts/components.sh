#!/usr/bin/env bash
# The real components the PostgreSQL tests need besides the server on 127.0.0.1:5432: each is a
# script in scripts/components/ (a TLS cluster, PgBouncer, a streaming standby, …) made from the
# machine's Debian packages, on its own port, with its state under $OVERLAY_COMPONENTS_DIR.
#   scripts/components.sh start [name...]   start (idempotent); prints each one's KEY=VALUE lines
#   scripts/components.sh stop [name...]    stop and remove its state
# With no name, every script in scripts/components/. A component that cannot start exits non-zero
# with its reason on stderr; this script then fails too. .ci/run starts them all; the tests start
# the ones they use through test/support/components.ts, so `npm test` needs no step of its own.
set -euo pipefail
# runuser, pgbouncer and pg_ctlcluster live in the sbin folders, which a non-login PATH may lack.
export PATH="$PATH:/usr/sbin:/sbin"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
action="${1:-}"
case "$action" in start | stop) shift ;; *) echo "usage: scripts/components.sh start|stop [name...]" >&2; exit 2 ;; esac
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in "$here"/components/*.sh; do [ -e "$f" ] && names+=("$(basename "$f" .sh)"); done
fi
for name in "${names[@]}"; do
  script="$here/components/$name.sh"
  [ -x "$script" ] || { echo "components: no component named $name ($script)" >&2; exit 2; }
  "$script" "$action"
done
