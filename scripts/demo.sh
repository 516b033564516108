#!/usr/bin/env bash
# The demo, from a fresh Debian 12 machine: installs what is missing, builds
# rindled, starts a throwaway PostgreSQL with a small shop dataset, runs
# rindled with the example config (deploy/rindle.example.yaml), writes to the
# source tables and prints the view tables changing live.
#
#   scripts/demo.sh [--seconds N]    stop by itself after N seconds (default: run until Ctrl-C)
#
# RINDLED=/path/to/rindled skips installing and building (the CI smoke test).
# Everything lives in a temporary directory that is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

seconds=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds=${2:?--seconds needs N}; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

if [[ -z "${RINDLED:-}" ]]; then
  scripts/deps.sh
  cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build/release --target rindled -j "$(nproc)"
  RINDLED=$root/build/release/daemon/rindled
fi

work=$(mktemp -d /tmp/rindle-demo-XXXXXX)
chmod 755 "$work"
daemon_pid=""
cleanup() {
  if [[ -n "$daemon_pid" ]] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  "$root/scripts/pg_tmp.sh" destroy "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== starting a throwaway PostgreSQL 15 in $work/pg"
conninfo=$("$root/scripts/pg_tmp.sh" start "$work/pg")
port=$(cat "$work/pg/port")
psql_() { psql "$conninfo" -X -q -v ON_ERROR_STOP=1 "$@"; }

echo "== loading the sample dataset (customers, orders, products)"
psql_ <<'SQL'
CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL,
                     total numeric(10,2) NOT NULL, created_at date NOT NULL);
CREATE TABLE products (id int PRIMARY KEY, name text NOT NULL, sold int NOT NULL);
INSERT INTO customers SELECT g, (ARRAY['Ada','Brian','Chen','Dana','Emil','Fatima','Goran','Hana'])[g] FROM generate_series(1, 8) g;
INSERT INTO orders SELECT g, 1 + (g * 7) % 8, (ARRAY['open','shipped','open','closed'])[1 + g % 4],
                          (g * 37 % 500) + 0.99, DATE '2023-11-01' + g * 3 FROM generate_series(1, 200) g;
INSERT INTO products SELECT g, 'product ' || g, (g * 53) % 400 FROM generate_series(1, 40) g;
SQL

metrics_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
               || echo $((20000 + RANDOM % 20000)))
# 0 if /healthz answers 200 (bash's /dev/tcp: no curl needed).
healthy() {
  ( exec 3<>"/dev/tcp/127.0.0.1/$metrics_port" || exit 1
    printf 'GET /healthz HTTP/1.0\r\n\r\n' >&3
    head -1 <&3 | grep -q ' 200' ) 2>/dev/null
}
# The example config, pointed at this cluster.
sed -e "s|host: /var/run/postgresql|host: $work/pg/sock|" \
    -e "s|port: 5432|port: $port|" \
    -e "s|dbname: shop|dbname: postgres|" \
    -e "s|user: rindle|user: postgres|" \
    -e "s|directory: /var/lib/rindle|directory: $work/state|" \
    -e "s|listen: 127.0.0.1:9732|listen: 127.0.0.1:$metrics_port|" \
    deploy/rindle.example.yaml >"$work/rindle.yaml"

echo "== rindled --config $work/rindle.yaml   (log: $work/rindled.log)"
"$RINDLED" check "$work/rindle.yaml"
"$RINDLED" --config "$work/rindle.yaml" >"$work/rindled.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 1 100); do
  if healthy; then break; fi
  if ! kill -0 "$daemon_pid" 2>/dev/null; then cat "$work/rindled.log" >&2; exit 1; fi
  sleep 0.1
done
echo
echo "   metrics: http://127.0.0.1:$metrics_port/metrics   health: http://127.0.0.1:$metrics_port/healthz"
echo "   views are tables in schema rindle_views; try: psql \"$conninfo\" -c 'TABLE rindle_views.top_products'"
echo

show() {
  psql_ -P footer=off <<'SQL'
\echo '-- rindle_views.open_orders_by_customer'
SELECT * FROM rindle_views.open_orders_by_customer ORDER BY customer_id;
\echo '-- rindle_views.top_products (ORDER BY rindle_position)'
SELECT rindle_position AS pos, id, name, sold FROM rindle_views.top_products ORDER BY rindle_position LIMIT 5;
\echo '-- rindle_views.orders_by_status'
SELECT * FROM rindle_views.orders_by_status ORDER BY status;
SQL
}

start=$SECONDS
step=0
next_order=1000
while :; do
  step=$((step + 1))
  c=$((1 + RANDOM % 8)); p=$((1 + RANDOM % 40)); o=$((1 + RANDOM % 200))
  case $((step % 4)) in
    0) what="customer $c places order $next_order (open, 250.00)"
       sql="INSERT INTO orders VALUES ($next_order, $c, 'open', 250.00, CURRENT_DATE)"; next_order=$((next_order + 1)) ;;
    1) what="product $p sells 60 more"
       sql="UPDATE products SET sold = sold + 60 WHERE id = $p" ;;
    2) what="order $o ships"
       sql="UPDATE orders SET status = 'shipped' WHERE id = $o" ;;
    3) what="order $o is reopened"
       sql="UPDATE orders SET status = 'open' WHERE id = $o" ;;
  esac
  psql_ -c "$sql"
  sleep 1
  echo "================ write #$step: $what"
  show
  if [[ "$seconds" -gt 0 && $((SECONDS - start)) -ge "$seconds" ]]; then break; fi
  if ! kill -0 "$daemon_pid" 2>/dev/null; then echo "rindled exited:" >&2; cat "$work/rindled.log" >&2; exit 1; fi
done

echo
echo "== stopping rindled (SIGTERM: drain, checkpoint, exit 0)"
kill -TERM "$daemon_pid"
status=0
wait "$daemon_pid" || status=$?
daemon_pid=""
tail -3 "$work/rindled.log"
exit "$status"
