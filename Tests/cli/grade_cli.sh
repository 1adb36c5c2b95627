#!/usr/bin/env bash
# `casebook grade --case SLUG FILE` as a script uses it: JSON on success, exit 2 with a clear message on bad input.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${CASEBOOK_BIN:-.build/debug/casebook}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# A calibration answer grades to the JSON shape the issue names.
"$BIN" grade --case fraud-detection Tests/GraderTests/Calibration/fraud-detection/strong.md > "$TMP/out.json"
python3 - "$TMP/out.json" <<'PY' || fail "the JSON does not have the documented shape"
import json, sys
r = json.load(open(sys.argv[1]))
assert set(r) == {"score", "steps", "points"}, r.keys()
assert 0 <= r["score"] <= 100 and r["score"] >= 40, r["score"]
assert [s["step"] for s in r["steps"]] == ["requirements", "framing", "data", "model", "evaluation", "serving", "monitoring"]
assert len(r["points"]) == 42
covered = [p for p in r["points"] if p["verdict"] == "covered"]
assert covered and all(p["evidence"]["text"] for p in covered)
assert all(p["verdict"] in ("covered", "partly", "missed") for p in r["points"])
PY
# Standard input works too, and gives the same grade.
"$BIN" grade --case fraud-detection - < Tests/GraderTests/Calibration/fraud-detection/strong.md | cmp -s - "$TMP/out.json" \
    || fail "grading standard input differs from grading the file"

expect_2() {  # expect_2 "what it must say" command…
    local want=$1; shift
    set +e
    "$@" > "$TMP/stdout" 2> "$TMP/stderr"
    local code=$?
    set -e
    [ "$code" -eq 2 ] || fail "$* exited $code, not 2"
    grep -q "$want" "$TMP/stderr" || fail "$* did not say “$want”: $(cat "$TMP/stderr")"
    [ ! -s "$TMP/stdout" ] || fail "$* printed to standard output on an error"
}
expect_2 "there is no case “no-such-case”" "$BIN" grade --case no-such-case Tests/GraderTests/Calibration/fraud-detection/strong.md
printf 'Just some notes, no headings.\n' > "$TMP/flat.md"
expect_2 "has none of the step headings" "$BIN" grade --case fraud-detection "$TMP/flat.md"
expect_2 "cannot read" "$BIN" grade --case fraud-detection "$TMP/missing.md"
printf '\xff\xfe\x00bad' > "$TMP/binary.md"
expect_2 "cannot read" "$BIN" grade --case fraud-detection "$TMP/binary.md"
echo "grade CLI: ok"
