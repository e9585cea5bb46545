#!/usr/bin/env bash
# Sets up the tools (skipping those already present), checks the gates, then runs every test,
# in three layers:
#   0. gates    cargo fmt --check; cargo clippy -D warnings, native and wasm32
#   1. native   cargo test of the whole workspace (rules, server over HTTP on SQLite), then the
#               server's tests again on PostgreSQL (a throwaway cluster, stopped however it ends)
#   2. browser  wasm-bindgen-test in headless Chromium (rules crate vectors, console components)
#   3. e2e      the real server serving the real release build, driven through chromedriver;
#               then schemathesis fuzzes the running API against its OpenAPI document
# A failure in any layer stops the run with a line naming that layer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}"
# A CI run builds once: an incremental cache only fills the disk (it had grown to 24 GB).
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi

layer() {
  local name=$1; shift
  printf '\n======== layer %s ========\n' "$name"
  if ! "$@"; then
    printf '\nFAILED: layer %s (%s)\n' "$name" "$*" >&2
    exit 1
  fi
}

layer "0/3 gates: cargo fmt --check" \
  cargo fmt --all --check
layer "0/3 gates: cargo clippy (native)" \
  cargo clippy --workspace --all-targets -- -D warnings
layer "0/3 gates: cargo clippy (wasm32: the rules crate and the console)" \
  cargo clippy -p journey-core -p journey-console --all-targets --target wasm32-unknown-unknown -- -D warnings
layer "1/3 native: cargo test --workspace" \
  cargo test --workspace --exclude journey-e2e
pg_dir=$(mktemp -u -d /tmp/journey-pg.XXXXXX)
trap 'scripts/pg.sh stop "$pg_dir"' EXIT
layer "1/3 native: start a throwaway PostgreSQL" \
  scripts/pg.sh start "$pg_dir"
pg_url=$(scripts/pg.sh url "$pg_dir")
layer "1/3 native: the server's tests on PostgreSQL" \
  env JOURNEY_TEST_POSTGRES="$pg_url" cargo test -p journey-server --tests
layer "2/3 browser: wasm-bindgen-test in headless Chromium" \
  cargo test --target wasm32-unknown-unknown -p journey-core -p journey-console
layer "3/3 e2e: release build" \
  trunk build --release --offline
layer "3/3 e2e: Chromium against the real server" \
  cargo test -p journey-e2e -- --test-threads=1
layer "3/3 e2e: the API against its OpenAPI document (schemathesis)" \
  env SCHEMATHESIS="$PWD/.venv/bin/st" cargo test -p journey-server --test openapi -- --ignored
layer "3/3 e2e: the API on PostgreSQL against its OpenAPI document (schemathesis)" \
  env SCHEMATHESIS="$PWD/.venv/bin/st" JOURNEY_TEST_POSTGRES="$pg_url" cargo test -p journey-server --test openapi -- --ignored

printf '\nAll three layers passed.\n'
