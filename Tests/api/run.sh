#!/usr/bin/env bash
# API contract test: starts the built server on a small trained world and runs schemathesis against every
# operation of Public/api/openapi.json (examples and fuzzing phases: the coverage phase trips a CPython 3.11 ast bug
# here); fails on any 5xx, undocumented status or response that breaks its schema.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${CASEBOOK_BIN:-.build/debug/casebook}
PORT=${CASEBOOK_TEST_PORT:-18181}
work=$(mktemp -d)
venv=.venv-tests
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r Tests/api/requirements.txt
fi
[ -x "$BIN" ] || swift build --product casebook

"$BIN" serve --port "$PORT" --data-dir "$work/data" --recsys-items 3000 --recsys-users 600 --log-level warning >"$work/server.log" 2>&1 &
pid=$!
echo "waiting for the recommender to be ready…"
for _ in $(seq 1 600); do
  state=$(curl -sf "http://127.0.0.1:$PORT/api/v1/recsys/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])' 2>/dev/null || true)
  [ "$state" = "ready" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/server.log"; echo "server exited"; exit 1; }
  sleep 0.5
done
[ "$state" = "ready" ] || { echo "recommender not ready in time"; exit 1; }
echo "waiting for the grader's model (the interviewer answers with it)…"
for _ in $(seq 1 600); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"question":"How many users?"}' \
    "http://127.0.0.1:$PORT/api/v1/cases/news-feed/interviewer" || true)
  [ "$code" = "200" ] && break
  sleep 0.5
done
[ "$code" = "200" ] || { echo "the interviewer did not become ready in time"; exit 1; }

"$venv/bin/schemathesis" run "http://127.0.0.1:$PORT/api/openapi.json" \
  --url "http://127.0.0.1:$PORT" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --phases examples,fuzzing --max-examples "${SCHEMATHESIS_EXAMPLES:-60}" --seed 1 --workers 2
kill -0 "$pid" 2>/dev/null || { echo "the server died during the run"; cat "$work/server.log"; exit 1; }
echo "server still alive after the run"
