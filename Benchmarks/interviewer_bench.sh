#!/usr/bin/env bash
# Interviewer answer latency (issue 19: under 50 ms server-side).
#
#   Benchmarks/interviewer_bench.sh          REQUESTS=100 Benchmarks/interviewer_bench.sh   (at most 120: the rate limit)
#
# 1. In-process: `casebook bench interviewer` embeds each held-out paraphrase and matches it against its case's
#    sheet, one after another on one core (taskset), printing p50/p90/p99/max.
# 2. Over HTTP: starts the release server on loopback (a throw-away data directory), waits for the model, then one
#    client thread (curl, pinned to the other core) posts REQUESTS questions to POST /api/v1/cases/{slug}/interviewer
#    one at a time; prints the distribution of curl's total time (connection, HTTP, embedding, matching, JSON).
set -euo pipefail
REQUESTS=${REQUESTS:-100}   # the API allows 120 questions a minute per address
PORT=${PORT:-18093}
cd "$(dirname "$0")/.."
swift build -c release --product casebook >/dev/null
BIN=.build/release/casebook

echo "== in-process (one core)"
taskset -c 1 "$BIN" bench interviewer --passes 3

echo "== over HTTP (server on core 1, one client on core 0)"
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
taskset -c 1 "$BIN" serve --port "$PORT" --data-dir "$work/data" --recsys-items 2000 --recsys-users 300 --log-level warning >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"question":"How many users?"}' \
    "http://127.0.0.1:$PORT/api/v1/cases/news-feed/interviewer" || true)
  [ "$code" = "200" ] && break
  sleep 3   # each poll counts against the rate limit too
done
python3 - "$PORT" "$REQUESTS" <<'PY' > "$work/requests.tsv"
import sys, yaml, pathlib, json
port, n = sys.argv[1], int(sys.argv[2])
qs = []
for f in sorted(pathlib.Path("Tests/InterviewerTests/Questions/heldout").glob("*.yaml")):
    for fact, questions in yaml.safe_load(f.read_text()).items():
        qs += [(f.stem, q) for q in questions]
for i in range(n):
    slug, q = qs[i % len(qs)]
    print(f"http://127.0.0.1:{port}/api/v1/cases/{slug}/interviewer\t{json.dumps({'question': q})}")
PY
while IFS=$'\t' read -r url body; do
  taskset -c 0 curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -X POST -H 'Content-Type: application/json' -d "$body" "$url"
done < "$work/requests.tsv" | python3 -c '
import sys
rows = [l.split() for l in sys.stdin]
bad = [r for r in rows if r[0] != "200"]
assert not bad, "non-200 answers: %s" % bad[:3]
t = sorted(float(r[1]) * 1000 for r in rows)
p = lambda q: t[min(len(t) - 1, int(len(t) * q))]
print("requests %d, all 200; ms: p50 %.2f p90 %.2f p99 %.2f max %.2f" % (len(t), p(.5), p(.9), p(.99), t[-1]))'
