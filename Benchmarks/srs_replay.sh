#!/usr/bin/env bash
# Throughput benchmark for `casebook srs replay` (FSRS-6 replay of JSON Lines reviews).
#
#   Benchmarks/srs_replay.sh              # 2,000,000 reviews, 5 timed runs, prints the median
#   LINES=500000 RUNS=3 Benchmarks/srs_replay.sh
#
# It generates LINES review lines (50,000 interleaved cards, ratings 1-4, gaps of seconds to weeks,
# some same-day reviews and lapses) into a temp file with Python, builds the release binary, checks
# the replay accepted every line, then times RUNS replays (stdin from the file, stdout to /dev/null)
# and reports reviews/second for each run and the median. The requirement is >= 1,000,000/s.
#
# Run from the package root of either the main app (uses `swift build -c release --product casebook`
# and `.build/release/casebook srs replay`) or the standalone SpacedRepetition dev package
# (uses the `srs-dev` product, whose root command is the same `srs` command).
set -euo pipefail

LINES=${LINES:-2000000}
RUNS=${RUNS:-5}
EXTRA_ARGS=${EXTRA_ARGS:-}

cd "$(dirname "$0")/.."

if grep -q 'name: *"casebook"' Package.swift; then
    PRODUCT=casebook
    CMD=(.build/release/casebook srs replay)
else
    PRODUCT=srs-dev
    CMD=(.build/release/srs-dev replay)
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/srs-replay-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
INPUT="$WORK/reviews.jsonl"

echo "generating $LINES review lines ..." >&2
python3 - "$LINES" "$INPUT" <<'PY'
import random, sys
from datetime import datetime, timezone
n, path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(42)
cards = 50_000
t = int(datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp())
ratings = rng.choices("1234", weights=[15, 15, 55, 15], k=n)
out = []
with open(path, "w") as f:
    for i in range(n):
        # mostly a fresh card from a rotating window, sometimes the same card again (same-day review)
        card = rng.randrange(cards) if rng.random() < 0.9 else (i % cards)
        t += rng.choice((1, 7, 13, 29, 61))
        ts = datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        out.append('{"card": "card-%d", "rating": %s, "at": "%s"}\n' % (card, ratings[i], ts))
        if len(out) == 100_000:
            f.write("".join(out)); out.clear()
    f.write("".join(out))
PY
ls -l "$INPUT" >&2

echo "building ($PRODUCT, release) ..." >&2
swift build -c release --product "$PRODUCT" >&2

# Sanity check: every line accepted, one output line per review.
OUT_LINES=$("${CMD[@]}" $EXTRA_ARGS < "$INPUT" | wc -l)
if [ "$OUT_LINES" -ne "$LINES" ]; then
    echo "replay produced $OUT_LINES lines for $LINES reviews" >&2
    exit 1
fi

RATES=()
for run in $(seq 1 "$RUNS"); do
    START=$(date +%s.%N)
    "${CMD[@]}" $EXTRA_ARGS < "$INPUT" > /dev/null
    END=$(date +%s.%N)
    RATE=$(python3 -c "print(int($LINES / ($END - $START)))")
    printf 'run %d: %.3f s, %d reviews/s\n' "$run" "$(python3 -c "print($END - $START)")" "$RATE"
    RATES+=("$RATE")
done
MEDIAN=$(printf '%s\n' "${RATES[@]}" | sort -n | python3 -c "import sys; v=[int(x) for x in sys.stdin]; print(v[len(v)//2])")
echo "median: $MEDIAN reviews/s over $RUNS runs of $LINES reviews ($PRODUCT)"
if [ "$MEDIAN" -lt 1000000 ]; then
    echo "below the 1,000,000 reviews/s target" >&2
    exit 1
fi
