#!/usr/bin/env bash
# build-packages.sh — the installable packages, built and checked as a user would get them.
#
#   scripts/build-packages.sh [OUTPUT]      (default OUTPUT: build/packages)
#
# 1. the sdist, and the wheel built from it (python -m build, pinned in
#    packaging/requirements-build.txt)
# 2. a fresh venv with only the wheel installed: `presence-tray --help` and a headless command
# 3. the PyInstaller one-folder bundle (packaging/presence-tray.spec), built in that same venv
#    so it holds exactly what the wheel installs, with the pinned PyInstaller
# 4. Linux desktop integration in the bundle's share/: the .desktop file, AppStream metainfo,
#    hicolor icons rendered from the SVG (never checked in), install.sh
# 5. checks: desktop-file-validate, appstreamcli validate, the bundle's own --help and headless
#    command, its size against BUNDLE_BUDGET_MB (packaging/bundle_policy.py); a .tar.gz of it
# Results: OUTPUT/dist/*.whl *.tar.gz, OUTPUT/venv (the wheel's), OUTPUT/bundle/presence-tray/
# (the bundle; presence-tray is its executable), OUTPUT/presence-tray-linux-x86_64.tar.gz.
# Run by scripts/run-tests.sh before pytest; tests/test_bundle_e2e.py and bench/launch.py use
# the results. Needs .venv (or PYTHON=a venv's python >= 3.11) and the network or a pip cache.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$(mkdir -p "${1:-$ROOT/build/packages}" && cd "${1:-$ROOT/build/packages}" && pwd)
APP_ID=io.github.presencetray.PresenceTray
PIP=(--disable-pip-version-check -q)
log() { printf '[build-packages] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
seconds() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(seconds)" 'BEGIN { printf "%.1f s", b - a }'; }

# A venv's Python (pip installs `build` into it): .venv, made by scripts/run-tests.sh.
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
[ -x "$PYTHON" ] || die "no $PYTHON: run scripts/run-tests.sh (it makes .venv) or set PYTHON to a venv's python"
rm -rf "$OUT/dist" "$OUT/venv" "$OUT/bundle" "$OUT/work"

started=$(seconds)
log "wheel and sdist"
"$PYTHON" -m pip install "${PIP[@]}" "$(grep '^build==' "$ROOT/packaging/requirements-build.txt")"
# No --sdist/--wheel: the wheel is built from the sdist, which proves the sdist complete.
"$PYTHON" -m build --outdir "$OUT/dist" "$ROOT" >"$OUT/build.log" 2>&1 \
  || { tail -n 30 "$OUT/build.log" >&2; die "python -m build failed (log: $OUT/build.log)"; }
wheel=$(ls "$OUT"/dist/presence_tray-*.whl)
log "built $(basename "$wheel") and its sdist ($(took "$started"))"

started=$(seconds)
log "fresh venv with the wheel only"
"$PYTHON" -m venv "$OUT/venv"
"$OUT/venv/bin/pip" install "${PIP[@]}" "$wheel"
smoke_test() {  # smoke_test EXECUTABLE: --help, then a headless command on a throwaway folder
  local data
  data=$(mktemp -d)
  "$1" --help | grep -q "status" || die "$1 --help did not list the commands"
  PRESENCE_TRAY_DATA_DIR=$data "$1" status --people 5 --json >"$data/status.json" \
    || die "$1 status failed"
  "$OUT/venv/bin/python" -c 'import json, sys; assert len(json.load(open(sys.argv[1]))["people"]) == 5' \
    "$data/status.json" || die "$1 status did not list the 5 simulated people"
  rm -rf "$data"
}
smoke_test "$OUT/venv/bin/presence-tray"
log "the wheel installs and runs ($(took "$started"))"

started=$(seconds)
log "PyInstaller bundle"
"$OUT/venv/bin/pip" install "${PIP[@]}" -r "$ROOT/packaging/requirements-build.txt"
# From OUT, so the checkout is not on sys.path: the bundle takes the installed package.
(cd "$OUT" && "$OUT/venv/bin/pyinstaller" --noconfirm --log-level WARN \
    --distpath "$OUT/bundle" --workpath "$OUT/work" "$ROOT/packaging/presence-tray.spec") \
  >"$OUT/pyinstaller.log" 2>&1 \
  || { tail -n 30 "$OUT/pyinstaller.log" >&2; die "PyInstaller failed (log: $OUT/pyinstaller.log)"; }
bundle=$OUT/bundle/presence-tray
log "bundle in $bundle ($(took "$started"))"

started=$(seconds)
log "desktop integration (share/) and checks"
share=$bundle/share
install -D -m 644 "$ROOT/packaging/linux/$APP_ID.desktop" "$share/applications/$APP_ID.desktop"
install -D -m 644 "$ROOT/packaging/linux/$APP_ID.metainfo.xml" "$share/metainfo/$APP_ID.metainfo.xml"
install -m 755 "$ROOT/packaging/linux/install.sh" "$bundle/install.sh"
"$OUT/venv/bin/python" "$ROOT/packaging/linux/render_icons.py" "$share/icons/hicolor"
desktop-file-validate "$share/applications/$APP_ID.desktop" || die "desktop-file-validate failed"
appstreamcli validate --no-net "$share/metainfo/$APP_ID.metainfo.xml" \
  || die "appstreamcli validate failed"
smoke_test "$bundle/presence-tray"
"$OUT/venv/bin/python" "$ROOT/packaging/check_bundle.py" "$bundle"
tar -C "$OUT/bundle" -czf "$OUT/presence-tray-linux-x86_64.tar.gz" presence-tray
log "checked and archived ($(took "$started"))"
