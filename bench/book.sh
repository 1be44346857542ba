#!/usr/bin/env bash
# The appointment book's benchmark (docs/performance.md): a million
# patients and three million appointments on MariaDB (default 128 MB
# buffer pool), the server on one core, bench/book measuring one request
# at a time.
#
#   bash bench/book.sh            # fill crm_book (bench/datagen), then measure
#   KEEP=1 bash bench/book.sh     # measure the database a previous run filled
set -euo pipefail
cd "$(dirname "$0")/.."

PATIENTS=${PATIENTS:-1000000}
APPOINTMENTS=${APPOINTMENTS:-3000000}
DB=${DB:-crm_book}
MYSQL_ARGS=${MYSQL_ARGS:--h127.0.0.1 -uroot}
PORT=${PORT:-18080}
SERVER_CPU=${SERVER_CPU:-0}
export CRM_DATABASE_DRIVER=mysql CRM_DATABASE_DSN="root@tcp(127.0.0.1:3306)/$DB" \
       CRM_ADMIN_PASSWORD=bench-admin-password CRM_AUTH_JWT_SECRET=bench-secret-bench-secret-bench-secret-42 \
       CRM_HTTP_ADDR=127.0.0.1:$PORT CRM_AUTH_LOGIN_THROTTLE_ADDRESS_BURST=1000

if [ -z "${KEEP:-}" ]; then
  mariadb $MYSQL_ARGS -e "DROP DATABASE IF EXISTS \`$DB\`; CREATE DATABASE \`$DB\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
  go run ./bench/datagen -patients "$PATIENTS" -appointments "$APPOINTMENTS"
  mariadb $MYSQL_ARGS "$DB" -e "ANALYZE TABLE patients, appointments" >/dev/null
fi
go build -o /tmp/crm-book-server .
taskset -c "$SERVER_CPU" /tmp/crm-book-server serve >/dev/null 2>&1 & server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 1; done
go run ./bench/book -url "http://127.0.0.1:$PORT" -password "$CRM_ADMIN_PASSWORD" \
  -dsn "root@tcp(127.0.0.1:3306)/$DB?parseTime=true&loc=UTC"
