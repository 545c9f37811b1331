"""The bundle's entry script: PyInstaller freezes this, and it runs the app's ``main``."""

import sys

from presence_tray.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
