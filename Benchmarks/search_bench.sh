#!/usr/bin/env bash
# Search latency benchmark.
#
#   Benchmarks/search_bench.sh                 # both parts below
#   QUERIES=50000 DURATION=20s Benchmarks/search_bench.sh
#
# 1. In-process: `casebook bench search` builds the FTS5 index from Content/ exactly as the server does at
#    startup and times QUERIES queries (every glossary term, every section title, some multi-word and hostile
#    queries) one after another, printing p50/p90/p99/max of the search function alone.
# 2. Over HTTP: starts the release server on loopback (a throw-away data directory) and runs wrk against
#    /search?q=… with rotating queries (Benchmarks/search_queries.lua), printing wrk's latency distribution,
#    which includes HTTP parsing, the session middleware and the template render.
# Also prints the bcrypt verify time at the production cost (12), which dominates sign-in latency.
# Requirement: search p99 under 5 ms over the full content.
set -euo pipefail

QUERIES=${QUERIES:-20000}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-4}
PORT=${PORT:-18089}

cd "$(dirname "$0")/.."
swift build -c release --product casebook >/dev/null
BIN=.build/release/casebook

echo "== in-process search (${QUERIES} queries)"
"$BIN" bench search --content-dir Content --queries "$QUERIES"

echo "== bcrypt (sign-in cost)"
"$BIN" bench bcrypt --cost 12 --runs 5

if ! command -v wrk >/dev/null; then
    echo "wrk not installed (apt-get install wrk): skipping the HTTP part"
    exit 0
fi
DATA=$(mktemp -d)
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$DATA"' EXIT
"$BIN" serve --port "$PORT" --data-dir "$DATA" --log-level warning &
SERVER=$!
for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
    sleep 0.5
done
echo "== HTTP /search on loopback (wrk, 2 threads, ${CONNECTIONS} connections, ${DURATION})"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s Benchmarks/search_queries.lua "http://127.0.0.1:$PORT" \
    | sed -n '/Latency Distribution/,/Requests\/sec/p'
