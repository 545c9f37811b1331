#!/usr/bin/env bash
# run-app.sh — run Presence Tray from this checkout (the README's "run the app" command).
#
#   scripts/run-app.sh [presence-tray arguments...]     e.g. scripts/run-app.sh status
#
# First run: installs the missing Debian runtime libraries Qt needs (sudo when not root),
# creates .venv with Python >= 3.11 and installs the app into it (editable). Later runs only
# reinstall when pyproject.toml changed, so they start straight away.
# Knobs: PYTHON=/path/to/python3.x to pick the interpreter for a new .venv.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log() { printf '[run-app] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# shellcheck source=scripts/python-env.sh
. "$ROOT/scripts/python-env.sh"

bash "$ROOT/scripts/system-packages.sh" install runtime
ensure_venv runtime
exec "$VENV/bin/presence-tray" "$@"
