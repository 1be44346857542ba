#!/usr/bin/env bash
# The booking against the registration under wrk (docs/performance.md):
# on the database bench/book.sh filled, the server on CPU $SERVER_CPU and
# wrk with MariaDB on the other, $ROUNDS alternating runs of $DURATION
# with $CONNS connections each; the medians and their ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${DB:-crm_book}
PORT=${PORT:-18080}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
DURATION=${DURATION:-15s}
CONNS=${CONNS:-16}
ROUNDS=${ROUNDS:-3}
export CRM_DATABASE_DRIVER=mysql CRM_DATABASE_DSN="root@tcp(127.0.0.1:3306)/$DB" \
       CRM_ADMIN_PASSWORD=bench-admin-password CRM_AUTH_JWT_SECRET=bench-secret-bench-secret-bench-secret-42 \
       CRM_HTTP_ADDR=127.0.0.1:$PORT CRM_AUTH_LOGIN_THROTTLE_ADDRESS_BURST=1000 CRM_LOG_LEVEL=warn
go build -o /tmp/crm-book-server .
taskset -c "$SERVER_CPU" /tmp/crm-book-server serve >/dev/null 2>&1 & server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 1; done
TOKEN=$(curl -s -X POST "http://127.0.0.1:$PORT/back_end/api/v1/token" -d username=admin -d password="$CRM_ADMIN_PASSWORD" |
  sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
export TOKEN
# The patients registered in the last 30 days of the data: the leads a
# clinic books (random patients of three years would measure cold pages).
read -r FIRST LAST < <(mariadb -h127.0.0.1 -uroot -N "$DB" -e \
  "SELECT MIN(id), MAX(id) FROM patients WHERE add_time > (SELECT MAX(add_time) FROM patients) - 30*86400")
export FIRST LAST
rate() { taskset -c "$LOAD_CPU" wrk -t2 -c"$CONNS" -d"$DURATION" -s "$1" "http://127.0.0.1:$PORT/back_end/api/v1/patient" |
  awk '/Requests\/sec/ {print $2}'; }
reg=() book=()
for _ in $(seq 1 "$ROUNDS"); do
  reg+=("$(rate bench/wrk/register.lua)")
  book+=("$(rate bench/wrk/book.lua)")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
r=$(median "${reg[@]}") b=$(median "${book[@]}")
echo "registrations/s: ${reg[*]} (median $r); bookings/s: ${book[*]} (median $b)"
awk -v r="$r" -v b="$b" 'BEGIN {printf "a booking costs %.2f× a registration (target ≤ 1.2×)\n", r / b}'
