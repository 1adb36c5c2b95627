#!/usr/bin/env bash
# Review-page latency with 50 concurrent reviewers on loopback, against a release build.
#
#   Benchmarks/review_bench.sh
#   REVIEWERS=50 DURATION=20s Benchmarks/review_bench.sh
#
# Starts the release server with a throw-away data directory, signs up REVIEWERS accounts (each reviewer has its own
# session cookie), gives each some review history (a few graded cards, so the page reads due cards, the daily
# new-card count and the scheduler preview), then runs wrk with REVIEWERS connections against
# /cards/review?reveal=1, each request carrying one of the reviewers' cookies (Benchmarks/review_sessions.lua).
# Prints wrk's latency distribution (p50/p75/p90/p99).
set -euo pipefail

REVIEWERS=${REVIEWERS:-50}
DURATION=${DURATION:-15s}
PORT=${PORT:-18091}
GRADES=${GRADES:-2}

cd "$(dirname "$0")/.."
source Benchmarks/common.sh
# Trusting X-Forwarded-For lets each bench account appear to sign up from its own address (sign-up is throttled
# per address); bcrypt cost 10 keeps the 50 sign-ups quick. Neither affects the review page being measured.
CASEBOOK_TRUST_FORWARDED_FOR=1 CASEBOOK_BCRYPT_COST=10 "$BIN" serve --port "$PORT" --data-dir "$DATA" --log-level warning &
SERVER=$!
for _ in $(seq 1 240); do
    curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.5
done
BASE="http://127.0.0.1:$PORT"

field() { sed -n "s/.*name=\"$1\" value=\"\([^\"]*\)\".*/\1/p" | head -1; }

COOKIES="$DATA/sessions.txt"
: > "$COOKIES"
for i in $(seq 1 "$REVIEWERS"); do
    JAR="$DATA/jar$i"
    TOKEN=$(curl -fsS -c "$JAR" -b "$JAR" "$BASE/signup" | field csrf_token)
    # A different client address per account keeps within the sign-up rate limit.
    curl -fsS -o /dev/null -c "$JAR" -b "$JAR" -H "X-Forwarded-For: 10.9.$((i / 250)).$((i % 250))" \
        --data-urlencode "csrf_token=$TOKEN" --data-urlencode "username=bench$i$RANDOM" \
        --data-urlencode "password=correct horse battery staple" "$BASE/signup"
    for _ in $(seq 1 "$GRADES"); do
        PAGE=$(curl -fsS -c "$JAR" -b "$JAR" "$BASE/cards/review?reveal=1")
        CARD=$(printf '%s' "$PAGE" | field card)
        [ -n "$CARD" ] || break
        curl -fsS -o /dev/null -c "$JAR" -b "$JAR" --data-urlencode "csrf_token=$(printf '%s' "$PAGE" | field csrf_token)" \
            --data-urlencode "card=$CARD" --data-urlencode "token=$(printf '%s' "$PAGE" | field token)" \
            --data-urlencode "rating=$((RANDOM % 4 + 1))" "$BASE/cards/review"
    done
    awk '$6 ~ /casebook_session/ { print $6 "=" $7 }' "$JAR" >> "$COOKIES"
done
echo "== $(wc -l < "$COOKIES") reviewers signed in"
# A fresh data directory trains the recommender in the background (both cores for about a minute): wait for it, so
# the figure is the review page's own and not the training's.
until curl -fsS "$BASE/api/v1/recsys/status" 2>/dev/null | grep -q '"state":"ready"'; do sleep 1; done
[ -n "${HOLD:-}" ] && { echo "holding: server on $BASE, cookies in $COOKIES"; sleep "$HOLD"; }
# 1. Reviewers as people: one connection and one wrk thread each, thinking THINK_MIN..THINK_MAX ms before each grade.
echo "== paced: ${REVIEWERS} reviewers, each GET card → think ${THINK_MIN:-1000}–${THINK_MAX:-3000} ms → POST grade → GET next (${PACED_DURATION:-30s})"
COOKIE_FILE="$COOKIES" wrk -t"$REVIEWERS" -c"$REVIEWERS" -d"${PACED_DURATION:-30s}" --latency -s Benchmarks/review_paced.lua "$BASE" \
    | sed -n '/Latency Distribution/,$p'
# 2. Capacity: the same reviewers with no thinking time, as fast as the server answers (page GETs only).
echo "== flat out: GET /cards/review?reveal=1, ${REVIEWERS} connections with no thinking time, wrk -t2 (${DURATION})"
COOKIE_FILE="$COOKIES" wrk -t2 -c"$REVIEWERS" -d"$DURATION" --latency -s Benchmarks/review_sessions.lua "$BASE" \
    | sed -n '/Latency Distribution/,/Requests\/sec/p'
