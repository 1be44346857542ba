#!/usr/bin/env bash
# The patient-pool benchmark (docs/performance.md): the server against the
# least code that answers the same requests (bench/baseline), in one run,
# on MariaDB with a million patients.
#
#   bash bench/pool.sh                      # fill crm_bench (bench/datagen), then measure
#   KEEP=1 bash bench/pool.sh               # measure the database a previous run filled
#   SERVER_BIN=/tmp/crm-old bash bench/pool.sh   # measure another build of the server
#   SKIP_LATENCY=1 / SKIP_LOAD=1            # only the load, or only the one-at-a-time figures
#
# Pinning: the server (and, in its turn, the baseline) on CPU $SERVER_CPU,
# wrk and MariaDB share the other. Each load runs $DURATION with $CONNS
# connections, $ROUNDS times, alternating with its baseline; the medians
# are printed with their ratio.
set -euo pipefail
cd "$(dirname "$0")/.."

PATIENTS=${PATIENTS:-1000000}
DB=${DB:-crm_bench}
MYSQL_ARGS=${MYSQL_ARGS:--h127.0.0.1 -uroot}
PORT=${PORT:-18080}
BASELINE_PORT=${BASELINE_PORT:-18081}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
DURATION=${DURATION:-15s}
CONNS=${CONNS:-32}
DSN_PARAMS='parseTime=true&loc=UTC&interpolateParams=true'
export CRM_DATABASE_DRIVER=mysql CRM_DATABASE_DSN="root@tcp(127.0.0.1:3306)/$DB" \
       CRM_ADMIN_PASSWORD=bench-admin-password CRM_AUTH_JWT_SECRET=bench-secret-bench-secret-bench-secret-42 \
       CRM_HTTP_ADDR=127.0.0.1:$PORT CRM_AUTH_LOGIN_THROTTLE_ADDRESS_BURST=1000

for tool in wrk taskset curl mariadb; do
  command -v $tool >/dev/null || { echo "bench/pool.sh needs $tool (apt-get install wrk util-linux curl mariadb-client)"; exit 1; }
done

server_bin=${SERVER_BIN:-/tmp/crm-pool-server}
[ -n "${SERVER_BIN:-}" ] || go build -o "$server_bin" .
go build -o /tmp/crm-pool-baseline ./bench/baseline
go build -o /tmp/crm-pool-latency ./bench/pool
if [ -z "${KEEP:-}" ]; then
  mariadb $MYSQL_ARGS -e "DROP DATABASE IF EXISTS \`$DB\`; CREATE DATABASE \`$DB\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
  go run ./bench/datagen -patients "$PATIENTS"
  mariadb $MYSQL_ARGS "$DB" -e "ANALYZE TABLE patients, patient_terms, patient_counts" >/dev/null
fi

# Rows added by this run are removed at the end, so runs measure the same data.
first_new=$(( $(mariadb $MYSQL_ARGS -N "$DB" -e "SELECT COALESCE(MAX(id), 0) FROM patients") + 1 ))

# The server logs at its default level (info), to nowhere: the access log
# is part of what it costs.
taskset -c "$SERVER_CPU" "$server_bin" serve >/dev/null 2>&1 & server=$!
# The baseline registers as a consultant the server's load does not use,
# so its rows, which bypass the counters, can be told apart and removed.
baseline_author=$(mariadb $MYSQL_ARGS -N "$DB" -e "SELECT id FROM users WHERE username = 'kefu20'")
taskset -c "$SERVER_CPU" /tmp/crm-pool-baseline -addr 127.0.0.1:$BASELINE_PORT -author "$baseline_author" \
  -dsn "root@tcp(127.0.0.1:3306)/$DB?$DSN_PARAMS" >/dev/null 2>&1 & baseline=$!
# drop_new removes the patients this run registered, with everything kept
# beside them, and unseals the counters: the next server to start counts
# the patients again (a few seconds), as crm reindex would, without redoing
# the name terms.
drop_new() {
  mariadb $MYSQL_ARGS "$DB" -e "
    DELETE FROM patient_terms WHERE patient_id >= $first_new;
    DELETE FROM patient_history WHERE patient_id >= $first_new;
    DELETE FROM op_log WHERE target_type = 'patient' AND target_id >= $first_new;
    DELETE FROM patients WHERE id >= $first_new;
    DELETE FROM patient_counts; DELETE FROM patient_facets; UPDATE patient_count_seal SET counted_before = 0;"
}
cleanup() {
  kill $server $baseline 2>/dev/null || true
  wait $server $baseline 2>/dev/null || true
  drop_new
}
trap cleanup EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && curl -s "http://127.0.0.1:$BASELINE_PORT/bare/menu" >/dev/null && break
  sleep 0.5
done

# The server counts the patients when it starts, up to ten minutes ago:
# wait for it.
for _ in $(seq 1 240); do
  [ "$(mariadb $MYSQL_ARGS -N "$DB" -e 'SELECT counted_before FROM patient_count_seal')" -ge $(( $(date +%s) - 900 )) ] && break
  sleep 0.5
done
api=http://127.0.0.1:$PORT/back_end/api/v1
login() { curl -s -X POST $api/token/ -d username="$1" -d password="$2" | sed 's/.*"token":"\([^"]*\)".*/\1/'; }
admin_token=$(login admin bench-admin-password)
kefu_token=$(login kefu01 consultant-password)

echo "# Patient pool: $(mariadb $MYSQL_ARGS -N "$DB" -e 'SELECT COUNT(*) FROM patients') patients, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
if [ -z "${SKIP_LATENCY:-}" ]; then
  echo "## One request at a time (median of 11 after a warm-up)"
  echo
  taskset -c "$LOAD_CPU" /tmp/crm-pool-latency -url "http://127.0.0.1:$PORT" -password bench-admin-password -n 11
  echo
fi
[ -n "${SKIP_LOAD:-}" ] && exit 0

# rate URL TOKEN [SCRIPT]: requests/s and median latency under wrk.
rate() {
  local out
  out=$(TOKEN="$2" taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"$DURATION" --latency -s "bench/wrk/${3:-get.lua}" "$1")
  if echo "$out" | grep -q "Non-2xx"; then echo "wrk: non-2xx answers from $1" >&2; echo "$out" >&2; exit 1; fi
  echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}') $(echo "$out" | awk '$1 == "50%" {print $2}')"
}
# median of "rate p50" lines, by rate
median() { sort -n | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}'; }

# compare NAME TARGET SERVER_URL TOKEN BASELINE_URL [SCRIPT]: $ROUNDS rounds,
# baseline then server in each, so drift hits both; the medians and their
# ratio are printed.
compare() {
  local name=$1 target=$2 url=$3 token=$4 base=$5 script=${6:-get.lua} s b
  local servers=() baselines=()
  for _ in $(seq 1 "$ROUNDS"); do
    baselines+=("$(rate "$base" "" "$script")")
    # The baseline's rows bypass the counters; they go before the server writes.
    [ "$script" = register.lua ] && mariadb $MYSQL_ARGS "$DB" -e "DELETE FROM patients WHERE id >= $first_new AND author_id = $baseline_author"
    servers+=("$(rate "$url" "$token" "$script")")
  done
  s=$(printf '%s\n' "${servers[@]}" | median); b=$(printf '%s\n' "${baselines[@]}" | median)
  read -r sr sl <<<"$s"; read -r br bl <<<"$b"
  printf '| %s | %s req/s (p50 %s) | %s req/s (p50 %s) | %.3f | ≥ %s |\n' "$name" "$sr" "$sl" "$br" "$bl" "$(echo "$sr / $br" | bc -l)" "$target"
}
ROUNDS=${ROUNDS:-3}
echo "## Under load: wrk -t1 -c$CONNS -d$DURATION, server on CPU $SERVER_CPU, median of $ROUNDS rounds"
echo
echo "| request | server | baseline | ratio | target |"
echo "|---|---|---|---|---|"
compare "GET menu vs bare Gin constant JSON" 0.4 "$api/menu/" "$admin_token" "http://127.0.0.1:$BASELINE_PORT/bare/menu"
compare "list page 1, manager vs one SELECT … LIMIT 30" 0.5 "$api/patient/" "$admin_token" "http://127.0.0.1:$BASELINE_PORT/sql/list"
compare "list page 1, consultant vs one SELECT … LIMIT 30" 0.5 "$api/patient/" "$kefu_token" "http://127.0.0.1:$BASELINE_PORT/sql/list"
compare "POST patient vs one INSERT of the same row" 0.5 "$api/patient/" "$admin_token" "http://127.0.0.1:$BASELINE_PORT/sql/patient" register.lua
echo
echo "Server peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$server/status)"
