"""Render the app icon into the hicolor theme's sizes (PNG) plus its scalable SVG.

    python packaging/linux/render_icons.py OUTPUT/share/icons/hicolor

The one source is ``presence_tray/resources/icons/presence-tray.svg``, rendered with QtSvg by
the same code the app uses; the PNGs are generated at build time (scripts/build-packages.sh),
never checked in.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
"""The fixed-size folders desktops look in (panels 16-24, launchers 48-256, stores 512)."""


def main(argv: list[str] | None = None) -> int:
    """Write ``<size>x<size>/apps/<app id>.png`` and ``scalable/apps/<app id>.svg``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("hicolor", type=Path, help="the hicolor theme folder to write into")
    options = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    from presence_tray.autostart import APP_ID
    from presence_tray.ui.badges import APP_ICON_RESOURCE
    from presence_tray.ui.svg_resources import render_image, resource_bytes

    application = QGuiApplication([])
    scalable = options.hicolor / "scalable" / "apps"
    scalable.mkdir(parents=True, exist_ok=True)
    (scalable / f"{APP_ID}.svg").write_bytes(resource_bytes(APP_ICON_RESOURCE))
    for size in HICOLOR_SIZES:
        folder = options.hicolor / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True, exist_ok=True)
        if not render_image(APP_ICON_RESOURCE, size).save(str(folder / f"{APP_ID}.png")):
            print(f"could not write {folder / APP_ID}.png", file=sys.stderr)
            return 1
    del application
    print(f"app icon in {len(HICOLOR_SIZES)} sizes + scalable in {options.hicolor}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
