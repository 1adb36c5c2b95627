#!/usr/bin/env bash
# Signed-in reading pages on loopback, against a release build: what a learner who is signed in waits for.
#
#   Benchmarks/signed_in_pages.sh
#   CONNS=8 DURATION=10s Benchmarks/signed_in_pages.sh
#
# Starts the release server with a throw-away data directory (small recommender world: it is not measured), signs
# up one reader, marks a few sections of CHAPTER read (so its progress bar and forms are filled in),
# then runs wrk with that reader's session cookie against each page in PAGES, one after another.
# Prints requests/s and wrk's p50/p99 per page.
set -euo pipefail

CONNS=${CONNS:-8}
DURATION=${DURATION:-10s}
PORT=${PORT:-18093}
PAGES=${PAGES:-"/cases/video-recommendation / /cases /framework /glossary /compare"}
CHAPTER=${CHAPTER:-/cases/video-recommendation}  # where the reader has marked sections read

cd "$(dirname "$0")/.."
source Benchmarks/common.sh
CASEBOOK_BCRYPT_COST=10 "$BIN" serve --port "$PORT" --data-dir "$DATA" --log-level warning \
    --recsys-items 2000 --recsys-users 300 &
SERVER=$!
BASE="http://127.0.0.1:$PORT"
until curl -fsS "$BASE/api/v1/recsys/status" 2>/dev/null | grep -q '"state":"ready"'; do sleep 0.5; done

field() { sed -n "s/.*name=\"$1\" value=\"\([^\"]*\)\".*/\1/p" | head -1; }
JAR="$DATA/jar"
TOKEN=$(curl -fsS -c "$JAR" -b "$JAR" "$BASE/signup" | field csrf_token)
curl -fsS -o /dev/null -c "$JAR" -b "$JAR" --data-urlencode "csrf_token=$TOKEN" --data-urlencode "username=reader$RANDOM" \
    --data-urlencode "password=correct horse battery staple" "$BASE/signup"
PAGE=$(curl -fsS -c "$JAR" -b "$JAR" "$BASE$CHAPTER")
TOKEN=$(printf '%s' "$PAGE" | field csrf_token)
for section in $(printf '%s' "$PAGE" | sed -n 's/.*name="section" value="\([^"]*\)".*/\1/p' | head -5); do
    curl -fsS -o /dev/null -b "$JAR" --data-urlencode "csrf_token=$TOKEN" --data-urlencode "document=$CHAPTER" \
        --data-urlencode "section=$section" "$BASE/me/progress"
done
COOKIE=$(awk '$6 ~ /casebook_session/ { print $6 "=" $7 }' "$JAR")
case "$(curl -fsS -b "$COOKIE" "$BASE$CHAPTER")" in
    *is-read*) ;;
    *) echo "the reader's progress is not on $CHAPTER"; exit 1 ;;
esac

echo "signed-in pages, $CONNS connections, $DURATION each, wrk -t2, $(nproc) cores shared by server and client"
for page in $PAGES; do
    bytes=$(curl -fsS -b "$COOKIE" "$BASE$page" | wc -c)
    out=$(wrk -t2 -c"$CONNS" -d"$DURATION" --latency -H "Cookie: $COOKIE" "$BASE$page")
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1=="50%" {print $2}')
    p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    errors=$(echo "$out" | awk '/Non-2xx|Socket errors/' | tr '\n' ' ')
    echo "$page ($bytes bytes): $rps req/s, p50 $p50, p99 $p99 $errors"
done
