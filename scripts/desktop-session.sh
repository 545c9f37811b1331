#!/usr/bin/env bash
# desktop-session.sh — a private, headless desktop for end-to-end tests of the tray app.
#
#   DESKTOP_DIR=$(scripts/desktop-session.sh start)   start (or reuse) it; prints the folder
#   . "$DESKTOP_DIR/env"                               DISPLAY, DBUS_SESSION_BUS_ADDRESS, ...
#   DESKTOP_DIR=... scripts/desktop-session.sh status
#   DESKTOP_DIR=... scripts/desktop-session.sh stop    stops what `start` started; keeps logs
#
# What runs, all inside $DESKTOP_DIR (default: a new mktemp folder under ${TMPDIR:-/tmp}):
#   Xvfb            virtual X server on a free display number (-displayfd: never hard-coded)
#   dbus-daemon     private session bus, so nothing touches the user's real session
#   gnome-keyring   Secret Service, unlocked with a throwaway password (for `keyring`)
#   trayer          XEmbed system tray host (QSystemTrayIcon needs one to be "available")
#   dunst           notification daemon; every notification becomes one JSON line in
#                   $DESKTOP_DIR/notifications.jsonl ($PRESENCE_TRAY_NOTIFY_LOG)
#
# It installs nothing: scripts/system-packages.sh install test does (run-tests.sh calls it).
# Logs go to stderr and $DESKTOP_DIR/*.log; stdout carries only the folder path (`start`).
# Knobs: DESKTOP_DIR, DESKTOP_SCREEN (default 1280x800x24), DESKTOP_START_TIMEOUT (s, default 15).
set -euo pipefail
set +m  # background jobs must stay in our process group so $! is the daemon itself (see setsid)

SCREEN=${DESKTOP_SCREEN:-1280x800x24}
TIMEOUT=${DESKTOP_START_TIMEOUT:-15}
# Stop order: the reverse of start order.
COMPONENTS=(dunst trayer gnome-keyring dbus xvfb)

ms() { date +%s%3N; }
log() { printf '[desktop %s] %s\n' "$(date +%T.%3N)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# A PID is alive if it exists and is not a zombie: some sandboxes' PID 1 reaps slowly, and
# `kill -0` succeeds on a zombie.
running() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}
alive() { [ -f "$DIR/$1.pid" ] && running "$(cat "$DIR/$1.pid")"; }

wait_for() {  # wait_for SECONDS CMD... — poll CMD every 20 ms
  local end=$(($(ms) + $1 * 1000))
  shift
  until "$@"; do
    [ "$(ms)" -gt "$end" ] && return 1
    sleep 0.02
  done
}

bus_call() {  # bus_call METHOD [ARG] — ask the bus daemon itself
  dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    "org.freedesktop.DBus.$1" ${2:+"$2"} 2>/dev/null
}
bus_ready() { bus_call GetId >/dev/null; }
name_owned() { bus_call NameHasOwner "string:$1" | grep -q true; }
name_pid() { bus_call GetConnectionUnixProcessID "string:$1" | awk '{print $2}'; }

# Does the XEmbed tray selection _NET_SYSTEM_TRAY_S0 have an owner? (No X tool prints
# selection owners, so ask libX11 directly.)
tray_owned() {
  python3 - <<'EOF'
import ctypes, ctypes.util, sys
x = ctypes.cdll.LoadLibrary(ctypes.util.find_library("X11") or "libX11.so.6")
x.XOpenDisplay.restype = ctypes.c_void_p
x.XOpenDisplay.argtypes = [ctypes.c_char_p]
x.XInternAtom.restype = ctypes.c_ulong
x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
x.XGetSelectionOwner.restype = ctypes.c_ulong
x.XGetSelectionOwner.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
x.XCloseDisplay.argtypes = [ctypes.c_void_p]
d = x.XOpenDisplay(None)
if not d:
    sys.exit(1)
owner = x.XGetSelectionOwner(d, x.XInternAtom(d, b"_NET_SYSTEM_TRAY_S0", 0))
x.XCloseDisplay(d)
sys.exit(0 if owner else 1)
EOF
}

# Start a daemon in its own session (so a Ctrl-C in the caller's terminal or the caller's
# process group being killed does not take it down) and record its PID. With job control off
# (set +m) the background job is not a group leader, so setsid execs in place: $! is the daemon.
spawn() {  # spawn NAME CMD...
  local name=$1
  shift
  setsid "$@" >>"$DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$DIR/$name.pid"
}

fail_start() {  # show the component's log, undo the partial start, exit
  log "$1 did not start; its log:"
  tail -n 30 "$DIR/$2.log" >&2 2>/dev/null || true
  stop_all
  exit 1
}

write_notify_logger() {
  # dunst runs this for every notification (rule below) with DUNST_* variables set.
  # Absolute interpreter path: dunst's PATH may lack pyenv shims and the like.
  local py
  py=$(command -v python3) || die "python3 not found"
  cat >"$DIR/notify-log.py" <<EOF
#!$py
"""Append the notification dunst just received as one JSON line to notifications.jsonl."""
import json, os, time

FIELDS = ("APP_NAME", "SUMMARY", "BODY", "ICON_PATH", "URGENCY", "ID", "TIMEOUT", "TIMESTAMP",
          "CATEGORY", "STACK_TAG", "URLS", "DESKTOP_ENTRY", "PROGRESS")
record = {f.lower(): os.environ.get("DUNST_" + f) for f in FIELDS}
record["logged_at"] = time.time()
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "notifications.jsonl")
# One write() of one line in append mode: readers never see half a record.
with open(path, "a", encoding="utf-8") as log:
    log.write(json.dumps(record) + "\n")
EOF
  chmod +x "$DIR/notify-log.py"
  cat >"$DIR/dunstrc" <<EOF
[global]
    monitor = 0
    follow = none
    width = 360
    origin = top-right
    offset = 10x10
    font = DejaVu Sans 11
    frame_width = 2
    frame_color = "#aaaaaa"
    # A left click on a popup clicks the notification (its "default" action), as on desktops.
    mouse_left_click = do_action, close_current
[urgency_low]
    timeout = 10
[urgency_normal]
    timeout = 10
    background = "#285577"
    foreground = "#ffffff"
[urgency_critical]
    timeout = 10
[log_every_notification]
    appname = "*"
    script = $DIR/notify-log.py
EOF
}

write_env() {
  cat >"$DIR/env.tmp" <<EOF
# Written by scripts/desktop-session.sh; source it: . "$DIR/env"
export DESKTOP_DIR='$DIR'
export DISPLAY='$DISPLAY'
export DBUS_SESSION_BUS_ADDRESS='$DBUS_SESSION_BUS_ADDRESS'
export XDG_RUNTIME_DIR='$XDG_RUNTIME_DIR'
export XDG_DATA_HOME='$XDG_DATA_HOME'
export XDG_CONFIG_HOME='$XDG_CONFIG_HOME'
export XDG_CACHE_HOME='$XDG_CACHE_HOME'
export XDG_STATE_HOME='$XDG_STATE_HOME'
export QT_QPA_PLATFORM=xcb
export NO_AT_BRIDGE=1
export PRESENCE_TRAY_NOTIFY_LOG='$DIR/notifications.jsonl'
export PRESENCE_TRAY_DESKTOP=1
EOF
  mv "$DIR/env.tmp" "$DIR/env"
}

start() {
  local t0
  t0=$(ms)
  for tool in Xvfb dbus-daemon dbus-send dbus-update-activation-environment \
    gnome-keyring-daemon trayer dunst python3; do
    command -v "$tool" >/dev/null || die "$tool not found; run: scripts/system-packages.sh install test"
  done
  if [ -z "${DESKTOP_DIR:-}" ]; then
    DIR=$(mktemp -d "${TMPDIR:-/tmp}/presence-desktop.XXXXXX")
  else
    DIR=$DESKTOP_DIR
    mkdir -p "$DIR"
  fi
  DIR=$(cd "$DIR" && pwd)
  chmod 700 "$DIR"

  # Private XDG folders: the app's database, config and keyring files land here, not in $HOME.
  export XDG_RUNTIME_DIR="$DIR/runtime" XDG_DATA_HOME="$DIR/data" XDG_CONFIG_HOME="$DIR/config"
  export XDG_CACHE_HOME="$DIR/cache" XDG_STATE_HOME="$DIR/state"
  mkdir -p "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_STATE_HOME"
  chmod 700 "$XDG_RUNTIME_DIR"  # Qt and gnome-keyring insist on it
  export NO_AT_BRIDGE=1         # no accessibility bus: it would spawn at-spi daemons we don't own

  # 1. X server. -displayfd makes Xvfb pick a free display and write its number when ready.
  if alive xvfb && [ -s "$DIR/display" ]; then
    DISPLAY=":$(tr -d '\n' <"$DIR/display")"
    export DISPLAY
    log "Xvfb already running on $DISPLAY"
  else
    rm -f "$DIR/display"
    setsid Xvfb -displayfd 3 -screen 0 "$SCREEN" -nolisten tcp -noreset \
      3>"$DIR/display" >>"$DIR/xvfb.log" 2>&1 </dev/null &
    echo $! >"$DIR/xvfb.pid"
    wait_for "$TIMEOUT" grep -q '[0-9]' "$DIR/display" || fail_start Xvfb xvfb
    DISPLAY=":$(tr -d '\n' <"$DIR/display")"
    export DISPLAY
    log "Xvfb on $DISPLAY"
  fi

  # 2. Private session bus.
  export DBUS_SESSION_BUS_ADDRESS="unix:path=$DIR/bus"
  if alive dbus; then
    log "D-Bus already running"
  else
    rm -f "$DIR/bus"
    dbus-daemon --session --address="$DBUS_SESSION_BUS_ADDRESS" --fork --print-pid=1 \
      >"$DIR/dbus.pid" 2>>"$DIR/dbus.log" || fail_start dbus-daemon dbus
    wait_for "$TIMEOUT" bus_ready || fail_start dbus-daemon dbus
    log "D-Bus at $DBUS_SESSION_BUS_ADDRESS"
  fi
  # Services the bus starts on demand (D-Bus activation) must see our display and folders.
  dbus-update-activation-environment DISPLAY XDG_RUNTIME_DIR XDG_DATA_HOME XDG_CONFIG_HOME \
    XDG_CACHE_HOME XDG_STATE_HOME NO_AT_BRIDGE

  # 3. Secret Service, BEFORE anything asks for org.freedesktop.secrets: otherwise the bus
  #    activates a *locked* gnome-keyring and `keyring` fails with "Prompt dismissed".
  #    --unlock reads the password from stdin and creates/unlocks the default "login"
  #    collection. The password is kept so a restart can unlock the same keyring file.
  if alive gnome-keyring && name_owned org.freedesktop.secrets; then
    log "gnome-keyring already running"
  else
    if [ ! -s "$DIR/keyring-password" ]; then
      (umask 077 && od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$DIR/keyring-password")
    fi
    # --replace also replaces a locked instance that something activated meanwhile.
    gnome-keyring-daemon --replace --unlock --components=secrets <"$DIR/keyring-password" \
      >"$DIR/gnome-keyring.env" 2>>"$DIR/gnome-keyring.log" || fail_start gnome-keyring gnome-keyring
    wait_for "$TIMEOUT" name_owned org.freedesktop.secrets || fail_start gnome-keyring gnome-keyring
    # The daemon forked; ask the bus which process owns the name.
    name_pid org.freedesktop.secrets >"$DIR/gnome-keyring.pid"
    log "gnome-keyring unlocked (pid $(cat "$DIR/gnome-keyring.pid"))"
  fi

  # 4. XEmbed tray host; ready once it owns the _NET_SYSTEM_TRAY_S0 selection.
  if alive trayer; then
    log "trayer already running"
  else
    spawn trayer trayer --edge bottom --align right --widthtype request --height 32 \
      --expand true --SetDockType true --SetPartialStrut true --transparent false --tint 0x333333
    wait_for "$TIMEOUT" tray_owned || fail_start trayer trayer
    log "trayer owns the system tray"
  fi

  # 5. Notification daemon that logs each notification as JSON (and draws the popup).
  if alive dunst && name_owned org.freedesktop.Notifications; then
    log "dunst already running"
  else
    write_notify_logger
    touch "$DIR/notifications.jsonl"
    spawn dunst dunst -conf "$DIR/dunstrc"
    wait_for "$TIMEOUT" name_owned org.freedesktop.Notifications || fail_start dunst dunst
    log "dunst owns org.freedesktop.Notifications"
  fi

  write_env
  log "ready in $(($(ms) - t0)) ms; now: . $DIR/env"
  echo "$DIR"
}

stop_one() {  # stop_one NAME — TERM, wait up to 2.5 s, then KILL; only the PID we recorded
  local name=$1 pid
  if alive "$name"; then
    pid=$(cat "$DIR/$name.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
      running "$pid" || break
      sleep 0.05
    done
    if running "$pid"; then
      kill -9 "$pid" 2>/dev/null || true
      log "killed $name ($pid)"
    else
      log "stopped $name ($pid)"
    fi
  fi
  rm -f "$DIR/$name.pid"
}

stop_all() {
  local name
  for name in "${COMPONENTS[@]}"; do
    stop_one "$name"
  done
  # Runtime leftovers only; logs, notifications.jsonl and the XDG folders stay for debugging.
  rm -f "$DIR/display" "$DIR/bus" "$DIR/env"
}

need_dir() {
  [ -n "${DESKTOP_DIR:-}" ] || die "set DESKTOP_DIR to the folder \`start\` printed"
  DIR=$DESKTOP_DIR
}

status() {
  local name rc=0
  [ -d "$DIR" ] || die "no such folder: $DIR"
  for name in xvfb dbus gnome-keyring trayer dunst; do
    if alive "$name"; then
      echo "$name: running (pid $(cat "$DIR/$name.pid"))"
    else
      echo "$name: stopped"
      rc=1
    fi
  done
  [ -f "$DIR/env" ] && cat "$DIR/env"
  return $rc
}

case "${1:-}" in
  start) start ;;
  stop)
    need_dir
    [ -d "$DIR" ] || exit 0
    stop_all
    ;;
  status)
    need_dir
    status
    ;;
  *)
    echo "usage: [DESKTOP_DIR=...] $0 {start|stop|status}" >&2
    exit 2
    ;;
esac
