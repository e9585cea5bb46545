#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: `scripts/pg.sh start DIR` creates one in DIR
# (which must not exist), on a free loopback port, and prints its URL; `scripts/pg.sh url DIR`
# prints it again; `scripts/pg.sh stop DIR` stops it and deletes DIR. PostgreSQL refuses to run as root, so as root the cluster runs as
# the `postgres` system user that Debian's package creates.
set -euo pipefail
cmd=${1:?usage: scripts/pg.sh start|url|stop DIR}
dir=${2:?usage: scripts/pg.sh start|url|stop DIR}

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bindir" ] || { echo "PostgreSQL is not installed: run scripts/setup.sh" >&2; exit 1; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case $cmd in
  start)
    [ ! -e "$dir" ] || { echo "$dir exists already" >&2; exit 1; }
    mkdir -p "$dir"
    [ "$(id -u)" -ne 0 ] || chown postgres: "$dir"
    # A free port: ask the kernel for one, then let PostgreSQL take it.
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_pg "$bindir/initdb" -D "$dir/data" -A trust -U postgres --no-sync >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    # Tuned for throwaway test data: nothing here must survive a power cut. JOURNEY_PG_DURABLE=1
    # keeps PostgreSQL's durable defaults (benchmarks compare it with SQLite's durable commits).
    fast="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    [ "${JOURNEY_PG_DURABLE:-0}" = 1 ] && fast=""
    as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -w -o \
      "-p $port -k $dir -h 127.0.0.1 -c max_connections=300 $fast" \
      start >/dev/null || { cat "$dir/data/server.log" >&2; exit 1; }
    echo "postgres://postgres@127.0.0.1:$port/postgres" | tee "$dir/url"
    ;;
  url)
    cat "$dir/url"
    ;;
  stop)
    [ -d "$dir/data" ] && as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) echo "usage: scripts/pg.sh start|url|stop DIR" >&2; exit 2 ;;
esac
