#!/usr/bin/env bash
# run-tests.sh — every check CI runs, in CI's order (the README's "run the tests" command).
#
#   scripts/run-tests.sh [pytest arguments...]     e.g. scripts/run-tests.sh -x tests/core
#
# 1. Debian test packages (Qt libs, Xvfb, trayer, dunst, gnome-keyring...) — missing ones only
# 2. .venv with `pip install -e '.[test]'` — only when pyproject.toml changed; the test OAuth
#    server's npm packages (tests/servers/oidc) — only when missing or its lock file changed;
#    the test Matrix homeserver's venv (tests/servers/synapse) — likewise
# 3. ruff check, ruff format --check, mypy, lint-imports
# 4. the packages (scripts/build-packages.sh: wheel and sdist installed into a fresh venv, the
#    PyInstaller bundle, desktop file and metainfo validated, size budget) into build/packages —
#    only for a full run; a partial run reuses what an earlier one built
# 5. a private headless desktop (scripts/desktop-session.sh), stopped again on exit
# 6. pytest under coverage (branch), with PRESENCE_TRAY_REQUIRE_DESKTOP=1 so desktop tests
#    fail instead of skipping (tests/test_bundle_e2e.py runs the bundle built in step 4), then
#    bench/launch.py: the bundle's size and launch-to-tray time beside the wheel install's
# 7. coverage thresholds: presence_tray/core >= 95 %, whole package >= 85 % — only for a full
#    run; extra pytest arguments usually select a subset, so the thresholds are skipped then.
# Stops at the first failing step with a non-zero exit code.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CORE_MIN=95
TOTAL_MIN=85
cd "$ROOT"

step_no=0
banner() {
  step_no=$((step_no + 1))
  printf '\n\033[1m======== [%d] %s ========\033[0m\n' "$step_no" "$*"
}
log() { printf '[run-tests] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# shellcheck source=scripts/python-env.sh
. "$ROOT/scripts/python-env.sh"

DESKTOP_STARTED=0
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  local rc=$?
  if [ "$DESKTOP_STARTED" = 1 ]; then
    if [ "$rc" -eq 0 ]; then
      # Quietly: pytest's summary, printed last, is what CI reads.
      bash scripts/desktop-session.sh stop 2>/dev/null || true
      rm -rf "$DESKTOP_DIR"
    else
      bash scripts/desktop-session.sh stop || true
      log "desktop logs, notifications.jsonl and pytest.log kept in $DESKTOP_DIR"
    fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

banner "system packages (test set)"
bash scripts/system-packages.sh install test

banner "python environment (.venv)"
ensure_venv test
export PATH="$VENV/bin:$PATH"
python -V

banner "test OAuth server (tests/servers/oidc: npm packages)"
# Installed from package-lock.json only when missing or when the lock file changed.
OIDC_DIR=tests/servers/oidc
if ! cmp -s "$OIDC_DIR/package-lock.json" "$OIDC_DIR/node_modules/.package-lock.json.installed"; then
  log "npm ci in $OIDC_DIR"
  (cd "$OIDC_DIR" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed in $OIDC_DIR"
  cp "$OIDC_DIR/package-lock.json" "$OIDC_DIR/node_modules/.package-lock.json.installed"
fi
node --version

banner "test Matrix homeserver (tests/servers/synapse/.venv: Synapse from pip)"
# Synapse gets its own venv, so its many dependencies stay out of .venv; installed only when
# missing or when its requirements file changed (about 30 s).
SYNAPSE_DIR=tests/servers/synapse
if ! cmp -s "$SYNAPSE_DIR/requirements.txt" "$SYNAPSE_DIR/.venv/requirements.installed"; then
  log "installing Synapse into $SYNAPSE_DIR/.venv"
  rm -rf "$SYNAPSE_DIR/.venv"
  python -m venv "$SYNAPSE_DIR/.venv" || die "could not create $SYNAPSE_DIR/.venv"
  "$SYNAPSE_DIR/.venv/bin/pip" install -q -r "$SYNAPSE_DIR/requirements.txt" \
    || die "pip install failed in $SYNAPSE_DIR/.venv"
  cp "$SYNAPSE_DIR/requirements.txt" "$SYNAPSE_DIR/.venv/requirements.installed"
fi
"$SYNAPSE_DIR/.venv/bin/python" -c 'import synapse; print("synapse", synapse.__version__)'

banner "ruff check"
ruff check .

banner "ruff format --check"
ruff format --check .

banner "mypy (strict, presence_tray)"
mypy

banner "lint-imports (architecture contracts)"
lint-imports

if [ $# -eq 0 ]; then
  banner "packages: wheel + sdist, fresh-venv install, PyInstaller bundle (build/packages)"
  bash scripts/build-packages.sh "$ROOT/build/packages"
fi
export PRESENCE_TRAY_PACKAGES="$ROOT/build/packages"

banner "headless desktop (Xvfb, D-Bus, gnome-keyring, trayer, dunst)"
DESKTOP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/presence-desktop.XXXXXX")
export DESKTOP_DIR
DESKTOP_STARTED=1
bash scripts/desktop-session.sh start >/dev/null
# shellcheck source=/dev/null
. "$DESKTOP_DIR/env"
export PRESENCE_TRAY_REQUIRE_DESKTOP=1

banner "pytest (under coverage, branch)"
coverage erase
color=()
[ -t 1 ] && color=(--color=yes)  # keep colours on a terminal despite the tee below
# The log lets us repeat pytest's summary as the very last line of the run.
coverage run -m pytest "${color[@]}" "$@" 2>&1 | tee "$DESKTOP_DIR/pytest.log"
if [ $# -eq 0 ]; then
  banner "bench/launch.py: bundle size, launch to tray (bundle and wheel install)"
  python bench/launch.py
fi
summary=$(sed 's/\x1b\[[0-9;]*m//g' "$DESKTOP_DIR/pytest.log" | grep -E '^=+ .* in [0-9.]+s.* =+$' | tail -n 1 || true)

if [ $# -eq 0 ]; then
  banner "coverage: presence_tray/core >= ${CORE_MIN}% (branch)"
  coverage report --include='presence_tray/core/*' --fail-under="$CORE_MIN"
  banner "coverage: presence_tray >= ${TOTAL_MIN}% (branch)"
  coverage report --fail-under="$TOTAL_MIN"
else
  banner "coverage thresholds skipped (pytest arguments given: partial run)"
  coverage report || true  # informational only
fi

printf '\n\033[1mall checks passed\033[0m\n'
[ -n "$summary" ] && printf '%s\n' "$summary"
exit 0
