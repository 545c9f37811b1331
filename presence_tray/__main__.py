"""``python -m presence_tray`` and the ``presence-tray`` console script."""

from __future__ import annotations

import sys


def main() -> int:
    """Run Presence Tray with the process's arguments."""
    from presence_tray.app import main as app_main

    return app_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
