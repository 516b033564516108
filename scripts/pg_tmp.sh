#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster on loopback, for tests, the demo and benchmarks.
#
#   scripts/pg_tmp.sh start DIR [PORT]   initdb into DIR (if empty) and start; prints the conninfo
#   scripts/pg_tmp.sh stop DIR           stop (fast) and keep DIR
#   scripts/pg_tmp.sh destroy DIR        stop (immediate) and remove DIR
#   scripts/pg_tmp.sh conninfo DIR       print the conninfo of a started cluster
#
# The cluster listens on 127.0.0.1:PORT (default: a free port) and on a Unix
# socket inside DIR; wal_level=logical; trust authentication for local and
# loopback connections, replication included. PostgreSQL refuses to run as
# root, so as root the server runs as the `postgres` user (runuser).
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
cmd=${1:?usage: pg_tmp.sh start|stop|destroy|conninfo DIR [PORT]}
dir=${2:?missing DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 - <<'EOF' 2>/dev/null || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
EOF
}

conninfo() { echo "host=$dir/sock port=$(cat "$dir/port") user=postgres dbname=postgres"; }

case "$cmd" in
  start)
    port=${3:-}
    if [[ ! -f "$dir/data/PG_VERSION" ]]; then
      [[ -n "$port" ]] || port=$(free_port)
      mkdir -p "$dir/data" "$dir/sock"
      [[ $(id -u) -eq 0 ]] && chown -R postgres: "$dir"
      as_owner "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 -N >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
      cat >>"$dir/data/postgresql.conf" <<EOF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir/sock'
wal_level = logical
max_replication_slots = 20
max_wal_senders = 20
max_connections = 100
fsync = off
full_page_writes = off
shared_buffers = 256MB
logging_collector = off
log_min_messages = warning
EOF
      echo "host replication all 127.0.0.1/32 trust" >>"$dir/data/pg_hba.conf"
      echo "$port" >"$dir/port"
    fi
    as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
      || { tail -20 "$dir/server.log" >&2; exit 1; }
    conninfo
    ;;
  stop)
    [[ -f "$dir/data/postmaster.pid" ]] && as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  destroy)
    [[ -f "$dir/data/postmaster.pid" ]] && as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  conninfo)
    conninfo
    ;;
  *)
    echo "pg_tmp.sh: unknown command $cmd" >&2
    exit 2
    ;;
esac
