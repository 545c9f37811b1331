#!/usr/bin/env bash
# install.sh — add this Presence Tray bundle to your desktop's menu (no root needed).
#
#   ./install.sh              menu entry, icons and AppStream metainfo in ~/.local/share
#   ./install.sh --uninstall  remove them again (the bundle folder stays where it is)
#
# The menu entry starts this folder's presence-tray, so keep the folder where it is (e.g.
# ~/.local/opt/presence-tray) before running this. Start at login is the app's own setting
# (Settings → General), which writes ~/.config/autostart/presence-tray.desktop.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
APP_ID=io.github.presencetray.PresenceTray
DATA=${XDG_DATA_HOME:-$HOME/.local/share}
entry=$DATA/applications/$APP_ID.desktop

refresh() {
  if command -v update-desktop-database >/dev/null; then
    update-desktop-database -q "$DATA/applications" || true
  fi
  if command -v gtk-update-icon-cache >/dev/null; then
    gtk-update-icon-cache -q -t "$DATA/icons/hicolor" || true
  fi
}

if [ "${1:-}" = --uninstall ]; then
  rm -f "$entry" "$DATA/metainfo/$APP_ID.metainfo.xml"
  find "$DATA/icons/hicolor" -name "$APP_ID.*" -delete 2>/dev/null || true
  refresh
  echo "Presence Tray removed from the menu; delete $HERE to remove the app itself."
  exit 0
fi

mkdir -p "$DATA/applications" "$DATA/metainfo"
# Exec: this bundle's executable in double quotes (spaces are fine). Characters the Desktop
# Entry spec would need escaped twice are refused rather than risked.
case "$HERE" in
  *[\\\"\`\$\|%\&]*)
    echo "The folder $HERE has a \\, \", \`, \$, %, & or | in its path, which a menu entry cannot" \
      "start reliably; move the folder (e.g. to ~/.local/opt/presence-tray) and run this again." >&2
    exit 1 ;;
esac
sed "s|^Exec=.*|Exec=\"$HERE/presence-tray\"|" "$HERE/share/applications/$APP_ID.desktop" >"$entry"
cp "$HERE/share/metainfo/$APP_ID.metainfo.xml" "$DATA/metainfo/"
cp -r "$HERE/share/icons" "$DATA/"
refresh
echo "Presence Tray is in your desktop's menu (it starts $HERE/presence-tray)."
