#!/usr/bin/env bash
# Sets up the tools (skipping those already present), builds the console in release mode and
# starts the server with demo data in an embedded SQLite database (data/journeys.db).
# Extra arguments go to the server, e.g. `scripts/demo.sh --reseed`, `--addr 127.0.0.1:9000` or
# `--database postgres://you@host/journeys` (PostgreSQL instead of the SQLite file).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
trunk build --release --offline
cargo build --profile server -p journey-server
# The server's defaults are this layout: --dist dist, --database data/journeys.db, 127.0.0.1:8080.
exec "${CARGO_TARGET_DIR:-target}/server/journey-server" "$@"
