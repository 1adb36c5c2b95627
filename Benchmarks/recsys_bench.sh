#!/usr/bin/env bash
# End-to-end recommender benchmark (release build):
#   1. default world (100,000 videos x 20,000 users): generation and training time on all cores;
#   2. 1,000,000 videos x 200,000 users: training (2 epochs, no evaluation), then single-request latency of a
#      full recommendation (retrieve 500 with HNSW -> rank -> re-rank to 20) and resident memory after loading.
#
# Usage (from /work/main after `swift build -c release`):
#   Benchmarks/recsys_bench.sh                 # uses .build/release/casebook recsys
#   RECSYS_BIN="/tmp/rec-pkg/.build/release/recsys-dev recsys" Benchmarks/recsys_bench.sh
# Options via environment: RECSYS_BENCH_DIR (work dir, default /tmp/recsys-bench), SKIP_DEFAULT=1, SKIP_LARGE=1,
# LARGE_ITEMS / LARGE_USERS (default 1000000 / 200000), REQUESTS (default 2000).
set -euo pipefail

BIN="${RECSYS_BIN:-.build/release/casebook recsys}"
WORK="${RECSYS_BENCH_DIR:-/tmp/recsys-bench}"
LARGE_ITEMS="${LARGE_ITEMS:-1000000}"
LARGE_USERS="${LARGE_USERS:-200000}"
REQUESTS="${REQUESTS:-2000}"
CORES="$(nproc)"
mkdir -p "$WORK"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

echo "== machine: $CORES cores; binary: $BIN"

if [ "${SKIP_DEFAULT:-0}" != "1" ]; then
  D="$WORK/default"
  t0=$(now); $BIN generate --data-dir "$D" >/dev/null; t1=$(now)
  echo "default world: generate $(secs "$t0" "$t1") s"
  t0=$(now); $BIN train --data-dir "$D" --threads "$CORES" > "$WORK/default-train.txt" 2> "$WORK/default-train.log"; t1=$(now)
  echo "default world: train incl. evaluation $(secs "$t0" "$t1") s on $CORES threads; phases:"
  grep -E "^  [a-z-]+ +[0-9.]+ s" "$WORK/default-train.log" || true
  cat "$WORK/default-train.txt"
  $BIN bench --data-dir "$D" --requests "$REQUESTS"
fi

if [ "${SKIP_LARGE:-0}" != "1" ]; then
  L="$WORK/large"
  t0=$(now); $BIN generate --items "$LARGE_ITEMS" --users "$LARGE_USERS" --data-dir "$L"; t1=$(now)
  echo "large world: generate $(secs "$t0" "$t1") s"
  t0=$(now); $BIN train --data-dir "$L" --epochs 2 --no-eval --threads "$CORES" 2> "$WORK/large-train.log"; t1=$(now)
  echo "large world: train (2 epochs, no evaluation) $(secs "$t0" "$t1") s on $CORES threads; phases:"
  grep -E "^  [a-z-]+ +[0-9.]+ s" "$WORK/large-train.log" || true
  echo "large world: single-thread latency, k=20 from 500 HNSW candidates, ranker on, MMR re-ranking:"
  $BIN bench --data-dir "$L" --requests "$REQUESTS" --k 20 --candidates 500
fi
