#!/usr/bin/env bash
# Installs every tool the project needs on a fresh machine, and skips each one that is already
# there at the right version, so a second run takes seconds. Safe to run again at any time.
#
#   wasm32 target · Trunk 0.21.14 · wasm-bindgen CLI = the wasm-bindgen in Cargo.lock ·
#   wasm-opt from npm's binaryen (node_modules) · Chromium + chromedriver (Debian) ·
#   schemathesis (PyPI, in .venv) · PostgreSQL (Debian; the tests start a throwaway cluster) ·
#   crates
#
# Why these and not others: Trunk 0.22 needs a newer rustc than 1.95; Debian's binaryen (108)
# is too old for today's wasm output, npm's (132) is not; Trunk must never download a tool
# itself (only package registries are reachable), so every tool it runs is installed here.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

TRUNK_VERSION=0.21.14
# The CLI must match the wasm-bindgen crate exactly; the crate is pinned with `=` in Cargo.toml.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)

say() { printf '==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=false
apt_install() {
  if [ "$apt_updated" = false ]; then as_root apt-get update -qq; apt_updated=true; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@"
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(trunk --version 2>/dev/null || true)" != "trunk $TRUNK_VERSION" ]; then
  say "installing Trunk $TRUNK_VERSION (about 11 minutes on 2 cores, once)"
  cargo install --locked trunk --version "$TRUNK_VERSION"
fi

if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ] ||
   [ "$(wasm-bindgen-test-runner --version 2>/dev/null || true)" != "wasm-bindgen-test-runner $WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 4 minutes, once)"
  # Not --locked: its lock file names crate versions the registry here does not have.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if ! command -v npm >/dev/null 2>&1; then
  say "installing Node.js and npm"
  apt_install nodejs npm
fi
want_wasm_opt=$(node -p 'require("./package.json").devDependencies.binaryen.split(".")[0]')
if [ "$(node_modules/.bin/wasm-opt --version 2>/dev/null | awk '{print $3}')" != "$want_wasm_opt" ]; then
  say "installing wasm-opt (npm binaryen) into node_modules"
  npm ci --no-audit --no-fund
fi

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  say "installing Chromium and chromedriver"
  apt_install chromium chromium-driver
fi

# schemathesis fuzzes the API against its OpenAPI document (layer 3 of scripts/test.sh).
SCHEMATHESIS_VERSION=4.32.5
if [ "$(.venv/bin/st --version 2>/dev/null | awk '{print $NF}')" != "$SCHEMATHESIS_VERSION" ]; then
  say "installing schemathesis $SCHEMATHESIS_VERSION into .venv"
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# The server's tests run a second time on PostgreSQL (scripts/pg.sh starts a throwaway cluster).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  say "installing PostgreSQL"
  apt_install postgresql
fi

# Trunk builds with --offline, so every crate must be in the local registry first.
cargo fetch --quiet
say "tools ready: $(trunk --version), $(wasm-bindgen --version), wasm-opt $(node_modules/.bin/wasm-opt --version | awk '{print $3}'), $(chromium --version 2>/dev/null | head -1), PostgreSQL $(ls -d /usr/lib/postgresql/*/ | sort -V | tail -n 1 | xargs basename)"
