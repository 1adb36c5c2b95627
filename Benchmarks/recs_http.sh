#!/usr/bin/env bash
# The recommendation API under load: wrk with a Lua script choosing a random user per request, on loopback
# against the release build and the default world, at increasing request rates (wrk2-style pacing is not
# available in Debian's wrk, so the rate is set by the number of connections). Prints p50/p99 and errors per step.
# Usage: Benchmarks/recs_http.sh [seconds per step, default 15]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-15}
PORT=18585
DATA=${DATA:-$(mktemp -d)}
command -v wrk >/dev/null || scripts/install-deps.sh --bench
swift build -c release --product casebook >/dev/null
.build/release/casebook serve --port $PORT --data-dir "$DATA" --log-level warning >"$DATA/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
echo "waiting for the model (first start trains the default world)…"
until curl -sf "http://127.0.0.1:$PORT/api/v1/recsys/status" | grep -q '"state":"ready"'; do sleep 1; done
for c in 1 2 4 8 16 32; do
  t=$(( c < 2 ? 1 : 2 ))
  out=$(wrk -t$t -c$c -d"${DURATION}s" --latency -s Benchmarks/recs_users.lua "http://127.0.0.1:$PORT" 2>&1)
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  errs=$(echo "$out" | grep -E "Non-2xx|Socket errors" || true)
  echo "connections $c: $rps req/s, p50 $p50, p99 $p99 ${errs:-no errors}"
done
