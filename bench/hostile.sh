#!/usr/bin/env bash
# The hostile-input benchmark (docs/performance.md): the server on a fresh
# SQLite database, and bench/hostile's cases against it, each with the
# server's peak RSS (VmHWM, reset per case) above its idle RSS.
#
#   bash bench/hostile.sh
#   SERVER_BIN=/tmp/crm-old bash bench/hostile.sh   # another build
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-18090}
dir=$(mktemp -d)
export CRM_DATABASE_DRIVER=sqlite CRM_DATABASE_DSN="$dir/crm.db" CRM_ADMIN_PASSWORD=bench-admin-password \
       CRM_AUTH_JWT_SECRET=bench-secret-bench-secret-bench-secret-42 CRM_HTTP_ADDR=127.0.0.1:$PORT \
       CRM_LOG_LEVEL=error CRM_AUTH_LOGIN_THROTTLE_ADDRESS_BURST=1000

server_bin=${SERVER_BIN:-/tmp/crm-hostile-server}
[ -n "${SERVER_BIN:-}" ] || go build -o "$server_bin" .
go build -o /tmp/crm-hostile ./bench/hostile
"$server_bin" serve & server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break
  sleep 0.5
done
echo "# Hostile input: $(git rev-parse --short HEAD), $(date -u +%Y-%m-%dT%H:%MZ)"
echo
/tmp/crm-hostile -url "http://127.0.0.1:$PORT" -password bench-admin-password -pid "$server"
