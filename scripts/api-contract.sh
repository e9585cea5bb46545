#!/usr/bin/env bash
# Fuzzes the running API against its own OpenAPI document with schemathesis: no request may
# get a server error, and every response must match the schema. Part of layer 3 of
# scripts/test.sh; runnable alone once scripts/setup.sh has run.
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir=${CARGO_TARGET_DIR:-target}
cargo build --quiet -p journey-server

work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$target_dir/debug/journey-server" --addr "127.0.0.1:$port" --database "$work/journeys.db" \
  --dist dist --demo-contacts 2000 > "$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT

status=0
.venv/bin/st run "http://127.0.0.1:$port/api/openapi.json" \
  --wait-for-schema 60 \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples 25 --workers 1 --seed 1 --no-color || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- server log (last 40 lines) ---"
  tail -n 40 "$work/server.log"
fi
exit "$status"
