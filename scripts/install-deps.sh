#!/usr/bin/env bash
# Installs the system packages Casebook builds and runs with, only if any is missing (Debian/Ubuntu).
set -euo pipefail
packages=(pkg-config libsqlite3-dev libcmark-gfm-dev libcmark-gfm-extensions-dev graphviz libopenblas-dev zlib1g-dev python3-venv curl unzip)
[ "${1:-}" = "--bench" ] && packages+=(wrk nginx-light)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing system packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
