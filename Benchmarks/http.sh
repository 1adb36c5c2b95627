#!/usr/bin/env bash
# Casebook vs nginx on the same HTML bytes, side by side in one run (loopback, wrk).
# Usage: [ROUNDS=3] [CASEBOOK_B="env VAR=1 /path/to/casebook"] Benchmarks/http.sh [seconds per run, default 15] [connections, default 32]
# CASEBOOK_B adds a second Casebook (another build, or the same one with other settings) to every round, for an A/B
# measured side by side; it serves a copy of the first one's data directory.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-15}
CONNS=${2:-32}
ROUNDS=${ROUNDS:-3}  # alternating runs: the machine is shared and noisy, so the median ratio is the figure
PAGE=/cases/video-recommendation
CB_PORT=18080
NGINX_PORT=18081
B_PORT=18082
CASEBOOK_B=${CASEBOOK_B:-}
work=$(mktemp -d); chmod 755 "$work"
cleanup() { [ -f "$work/cb.pid" ] && kill "$(cat "$work/cb.pid")" 2>/dev/null || true; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true; [ -f "$work/b.pid" ] && kill "$(cat "$work/b.pid")" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

command -v wrk >/dev/null && command -v nginx >/dev/null || scripts/install-deps.sh --bench
swift build -c release --product casebook >/dev/null
BIN=.build/release/casebook

# Cold start: process launch until the page answers, first with an empty diagram cache, then warm.
cold_start() {
  local data=$1 start end
  start=$(date +%s%N)
  $BIN serve --port $CB_PORT --data-dir "$data" --log-level warning >"$work/server.log" 2>&1 &
  echo $! >"$work/cb.pid"
  until curl -sf -o /dev/null "http://127.0.0.1:$CB_PORT$PAGE"; do sleep 0.01; done
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}
cold_ms=$(cold_start "$work/data"); kill "$(cat "$work/cb.pid")"; sleep 0.5
warm_ms=$(cold_start "$work/data")
echo "cold start (empty diagram cache): ${cold_ms} ms; restart (cached diagrams): ${warm_ms} ms"

# Measure the steady state: the first start trains the recommender in the background (both cores for a minute),
# which would otherwise overlap the wrk run.
until curl -sf "http://127.0.0.1:$CB_PORT/api/v1/recsys/status" | grep -q '"state":"ready"'; do sleep 1; done
curl -sf "http://127.0.0.1:$CB_PORT$PAGE" >"$work/page.html"
bytes=$(wc -c <"$work/page.html")
mkdir -p "$work/www/cases" && cp "$work/page.html" "$work/www/cases/video-recommendation"
cat >"$work/nginx.conf" <<CONF
worker_processes $(nproc);
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  # As Debian's own nginx.conf ships it: the file goes out by sendfile(2), headers and the first bytes in one packet.
  sendfile on;
  tcp_nopush on;
  access_log off;
  default_type text/html;
  server { listen 127.0.0.1:$NGINX_PORT; root $work/www; }
}
CONF
nginx -c "$work/nginx.conf"
sleep 0.3
if [ -n "$CASEBOOK_B" ]; then
  cp -r "$work/data" "$work/data-b"
  $CASEBOOK_B serve --port $B_PORT --data-dir "$work/data-b" --log-level warning >"$work/server-b.log" 2>&1 &
  echo $! >"$work/b.pid"
  until curl -sf "http://127.0.0.1:$B_PORT/api/v1/recsys/status" | grep -q '"state":"ready"'; do sleep 0.2; done
  cmp -s "$work/page.html" <(curl -sf "http://127.0.0.1:$B_PORT$PAGE") || echo "note: B serves different bytes for $PAGE"
fi

run_wrk() { wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "$1" 2>&1; }
parse_rps() { awk '/Requests\/sec/ {print $2}'; }
parse_p99() { awk '$1=="99%" {print $2}'; }
parse_errors() { awk '/Non-2xx|Socket errors/ {print}'; }

echo "page: $PAGE ($bytes bytes), $CONNS connections, ${DURATION}s per run, $ROUNDS rounds alternating Casebook and nginx, wrk -t1 (one client thread, so the server keeps a core), $(nproc) cores"
ratio() { python3 -c "print(f'{float(\"$1\")/float(\"$2\"):.2f}')"; }
median() { python3 -c "import statistics, sys; r = sorted(map(float, sys.argv[2:])); print(f'median {sys.argv[1]}: {statistics.median(r):.2f} (rounds: {\", \".join(f\"{x:.2f}\" for x in r)})')" "$@"; }
ratios=(); b_ratios=(); ab_ratios=()
for round in $(seq 1 "$ROUNDS"); do
  cb=$(run_wrk "http://127.0.0.1:$CB_PORT$PAGE")
  ng=$(run_wrk "http://127.0.0.1:$NGINX_PORT/cases/video-recommendation")
  cb_rps=$(echo "$cb" | parse_rps); ng_rps=$(echo "$ng" | parse_rps)
  ratios+=("$(ratio "$cb_rps" "$ng_rps")")
  line="round $round: casebook $cb_rps req/s, p99 $(echo "$cb" | parse_p99) $(echo "$cb" | parse_errors)| nginx $ng_rps req/s, p99 $(echo "$ng" | parse_p99) $(echo "$ng" | parse_errors)| ratio ${ratios[-1]}"
  if [ -n "$CASEBOOK_B" ]; then
    b=$(run_wrk "http://127.0.0.1:$B_PORT$PAGE")
    b_rps=$(echo "$b" | parse_rps)
    b_ratios+=("$(ratio "$b_rps" "$ng_rps")"); ab_ratios+=("$(ratio "$b_rps" "$cb_rps")")
    line+=" | B $b_rps req/s, p99 $(echo "$b" | parse_p99) $(echo "$b" | parse_errors)| B/nginx ${b_ratios[-1]}, B/casebook ${ab_ratios[-1]}"
  fi
  echo "$line"
done
median "ratio casebook/nginx" "${ratios[@]}"
if [ -n "$CASEBOOK_B" ]; then
  median "ratio B/nginx" "${b_ratios[@]}"
  median "ratio B/casebook" "${ab_ratios[@]}"
fi
