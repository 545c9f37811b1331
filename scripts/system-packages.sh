#!/usr/bin/env bash
# system-packages.sh — the one list of Debian/Ubuntu packages Presence Tray needs.
#
#   scripts/system-packages.sh list    runtime|test   print the set, one package a line
#   scripts/system-packages.sh missing runtime|test   print the packages not installed yet
#   scripts/system-packages.sh install runtime|test   apt-get install only the missing ones
#
# runtime = what the app needs to show its Qt window and tray icon (X11/xcb platform plugin).
# test    = runtime + the headless desktop used by the tests (scripts/desktop-session.sh).
# `install` is a no-op (and fast) when everything is there; it uses sudo when not root.
set -euo pipefail

# The shared libraries Qt's xcb platform plugin links against, found one by one on a minimal
# Debian 12 with QT_DEBUG_PLUGINS=1 (they pull in the rest of libxcb, Mesa and fontconfig's
# config). presence_tray/preflight.py checks the same list at start-up: keep them in step.
RUNTIME=(
  libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libglib2.0-0 libfreetype6 libfontconfig1
  libdbus-1-3 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 fonts-dejavu-core
  python3-venv
)

# Headless desktop for the tests: X server, tray host, notification daemon, Secret Service,
# the tools tests drive it with (xdotool clicks, xwininfo, `import` screenshots, tesseract to
# read the screen back), and an emoji font so screenshots show what people type in statuses.
TEST=(
  "${RUNTIME[@]}"
  xvfb xauth xdotool x11-utils imagemagick trayer dunst libnotify-bin dbus dbus-bin
  gnome-keyring libsecret-tools procps tesseract-ocr tesseract-ocr-eng fonts-noto-color-emoji
)

# The sign-in tests' OAuth server (tests/servers/oidc, oidc-provider from npm) runs on Node.js
# with npm. A node >= 20 already on PATH (NodeSource, nvm...) is kept: Debian's nodejs/npm
# packages would conflict with it. Otherwise Debian's are installed (Debian 12: Node 18.20).
node_is_recent() {
  command -v node >/dev/null && command -v npm >/dev/null \
    && node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' 2>/dev/null
}
node_is_recent || TEST+=(nodejs npm)

# The XMPP sign-in tests' server (tests/servers/prosody_server.py) and the tool that makes its
# self-signed certificate. The tests run their own Prosody on a free port of 127.0.0.1; a
# system one that the package may start (on systemd machines) is left alone.
TEST+=(prosody openssl)

# The packages (scripts/build-packages.sh, tests/test_packaging.py): the desktop file and
# AppStream metainfo validators, and binutils (PyInstaller needs objdump and strip on Linux).
TEST+=(desktop-file-utils appstream binutils)

log() { printf '[system-packages] %s\n' "$*" >&2; }
usage() { echo "usage: $0 {list|missing|install} {runtime|test}" >&2; exit 2; }

packages_of() {
  case "$1" in
    runtime) printf '%s\n' "${RUNTIME[@]}" ;;
    test) printf '%s\n' "${TEST[@]}" ;;
    *) usage ;;
  esac
}

missing_of() {
  local set=$1
  # One dpkg-query call for the whole set keeps the "already installed" path fast.
  # Unknown packages make dpkg-query complain on stderr and exit non-zero: they are missing.
  local -A installed=()
  local pkg status
  # shellcheck disable=SC2016  # ${...} is dpkg-query's format syntax, not the shell's
  local format='${Package} ${db:Status-Status}\n'
  while read -r pkg status; do
    [ "$status" = installed ] && installed[$pkg]=1
  done < <(packages_of "$set" | xargs dpkg-query -W -f="$format" 2>/dev/null || true)
  for pkg in $(packages_of "$set"); do
    [ -n "${installed[$pkg]:-}" ] || echo "$pkg"
  done
}

# apt lists refreshed within the last hour (e.g. by .ci/run) are good enough; saves ~5 s.
apt_lists_fresh() {
  [ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -60 -print -quit 2>/dev/null)" ]
}

install() {
  local set=$1
  if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
    log "not a Debian/Ubuntu system: make sure the equivalents of these are installed:"
    packages_of "$set" | tr '\n' ' ' >&2; echo >&2
    return 0
  fi
  local missing
  mapfile -t missing < <(missing_of "$set")
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi

  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || {
      log "need root to install: ${missing[*]} (no sudo found); install them and retry"
      return 1
    }
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  local apt_log
  apt_log=$(mktemp "${TMPDIR:-/tmp}/presence-tray-apt.XXXXXX")
  log "installing (${set} set): ${missing[*]}"
  if ! apt_lists_fresh; then
    log "apt-get update"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$apt_log" 2>&1 \
      || { tail -n 20 "$apt_log" >&2; rm -f "$apt_log"; return 1; }
  fi
  if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$apt_log" 2>&1; then
    # Fresh-looking lists can still be stale for one package: refresh once and retry.
    log "install failed; running apt-get update and retrying once"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >>"$apt_log" 2>&1 || true
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$apt_log" 2>&1 \
      || { tail -n 30 "$apt_log" >&2; rm -f "$apt_log"; return 1; }
  fi
  rm -f "$apt_log"
  log "installed ${#missing[@]} package(s)"
}

[ $# -eq 2 ] || usage
case "$1" in
  list) packages_of "$2" ;;
  missing) packages_of "$2" >/dev/null && missing_of "$2" ;;
  install) packages_of "$2" >/dev/null && install "$2" ;;
  *) usage ;;
esac
