#!/usr/bin/env bash
# The .apkg export checked by Anki's own importer (the `anki` package from PyPI, in its own virtualenv): starts the
# built server, signs up, downloads /cards/export.apkg and imports it into a fresh Anki collection twice.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${CASEBOOK_BIN:-.build/debug/casebook}
PORT=${CASEBOOK_TEST_PORT:-18183}
work=$(mktemp -d)
venv=.venv-anki
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
if ! "$venv/bin/python" -c "import anki" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r Tests/anki/requirements.txt
fi
[ -x "$BIN" ] || swift build --product casebook
"$BIN" serve --port "$PORT" --data-dir "$work/data" --recsys-items 2000 --recsys-users 200 --log-level warning >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 240); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.25; done
"$venv/bin/python" Tests/anki/anki_import.py "http://127.0.0.1:$PORT" "$work"
