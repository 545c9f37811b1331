# shellcheck shell=bash
# python-env.sh — sourced by run-app.sh and run-tests.sh: find Python >= 3.11, keep .venv
# installed with the right extras, reinstalling only when pyproject.toml changed.
# Expects ROOT (the checkout) and a log/die pair from the caller.

VENV="$ROOT/.venv"
STAMP="$VENV/.presence-tray-install"  # "<sha256 of pyproject.toml> <extras>" of the last install

is_py311() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }

find_python() {
  local candidate
  for candidate in ${PYTHON:-} python3 python3.13 python3.12 python3.11; do
    if command -v "$candidate" >/dev/null && is_py311 "$candidate"; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

# ensure_venv EXTRAS — EXTRAS is "runtime" (the app only) or "test" (the app and its tests).
# A "test" install includes everything the app needs, so it satisfies "runtime" too.
ensure_venv() {
  local extras=$1 want installed
  if [ -x "$VENV/bin/python" ] && ! is_py311 "$VENV/bin/python"; then
    log "$VENV is broken or older than Python 3.11; recreating it"
    rm -rf "$VENV"
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    local python
    python=$(find_python) || die "Presence Tray needs Python 3.11 or newer and none was found \
(looked for \$PYTHON, python3, python3.13, python3.12, python3.11). On Debian 12 or Ubuntu 24.04: \
sudo apt-get install python3 python3-venv — elsewhere install Python >= 3.11 and set \
PYTHON=/path/to/python3.x"
    log "creating $VENV with $python ($("$python" -V 2>&1))"
    "$python" -m venv "$VENV" || { rm -rf "$VENV"; die "could not create $VENV (is python3-venv installed?)"; }
  fi
  want=$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)
  installed=$(cat "$STAMP" 2>/dev/null || true)
  if [ -x "$VENV/bin/presence-tray" ] && { [ "$installed" = "$want $extras" ] || [ "$installed" = "$want test" ]; }; then
    return 0
  fi
  local spec=.
  [ "$extras" = test ] && spec='.[test]'
  log "installing -e '$spec' into $VENV (pyproject.toml is new or changed)"
  (cd "$ROOT" && "$VENV/bin/python" -m pip install --disable-pip-version-check -q -e "$spec")
  echo "$want $extras" >"$STAMP"
}
