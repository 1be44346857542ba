#!/usr/bin/env bash
# The million-patient benchmark (docs/performance.md): fills a fresh
# MariaDB/MySQL database with bench/datagen, starts the server on it, and
# measures it with bench/load.
#
#   bash bench/run.sh                  # 1,000,000 patients in crm_bench on 127.0.0.1:3306 (root, no password)
#   PATIENTS=100000 bash bench/run.sh  # smaller
#   KEEP=1 bash bench/run.sh           # reuse the filled database of a previous run
set -euo pipefail
cd "$(dirname "$0")/.."

PATIENTS=${PATIENTS:-1000000}
DB=${DB:-crm_bench}
MYSQL_ARGS=${MYSQL_ARGS:--h127.0.0.1 -uroot}
DSN=${DSN:-root@tcp(127.0.0.1:3306)/$DB}
PORT=${PORT:-18080}
export CRM_DATABASE_DRIVER=mysql CRM_DATABASE_DSN="$DSN" CRM_ADMIN_PASSWORD=bench-admin-password \
       CRM_AUTH_JWT_SECRET=bench-secret-bench-secret-bench-secret-42 CRM_HTTP_ADDR=127.0.0.1:$PORT \
       CRM_LOG_LEVEL=error CRM_AUTH_LOGIN_THROTTLE_ADDRESS_BURST=1000

go build -o /tmp/crm-bench-server .
if [ -z "${KEEP:-}" ]; then
  mariadb $MYSQL_ARGS -e "DROP DATABASE IF EXISTS \`$DB\`; CREATE DATABASE \`$DB\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
  go run ./bench/datagen -patients "$PATIENTS"
  mariadb $MYSQL_ARGS "$DB" -e "ANALYZE TABLE patients"
fi

/tmp/crm-bench-server serve & server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break
  sleep 0.5
done
month=$(TZ=Asia/Shanghai date -d "$(date +%Y-%m-01) -1 month" +%Y-%m)   # the last whole month
go run ./bench/load -url "http://127.0.0.1:$PORT" -password bench-admin-password -pid "$server" -month "$month" "$@"
