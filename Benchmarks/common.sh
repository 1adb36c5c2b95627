# Shared set-up for the benchmark scripts that start their own server; source it from the repository root.
# Sets BIN (the release build unless BIN=… names another build, e.g. for an A/B or a debug check of the script;
# the figures that count are release), checks for wrk, and makes DATA, a throw-away data directory that is removed
# with the server ($SERVER) on exit.
if [ -z "${BIN:-}" ]; then
    swift build -c release --product casebook >/dev/null
    BIN=.build/release/casebook
fi
command -v wrk >/dev/null || { echo "wrk not installed (apt-get install wrk)"; exit 1; }
DATA=$(mktemp -d)
trap 'kill "${SERVER:-}" 2>/dev/null || true; rm -rf "$DATA"' EXIT
