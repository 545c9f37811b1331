"""The bundle's size against its budget: prints the size, exits 1 when over.

python packaging/check_bundle.py build/packages/bundle/presence-tray
"""

from __future__ import annotations

import sys
from pathlib import Path

from bundle_policy import BUNDLE_BUDGET_MB


def folder_size_mb(folder: Path) -> float:
    """The sum of the files' sizes under ``folder`` in MB (10**6 bytes; links not followed)."""
    total = sum(path.lstat().st_size for path in folder.rglob("*") if path.is_file())
    return total / 1_000_000


def main(argv: list[str]) -> int:
    """Print the bundle's size and budget; 1 when it is over (or not there)."""
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        print("usage: check_bundle.py BUNDLE_FOLDER (a folder PyInstaller built)", file=sys.stderr)
        return 2
    size = folder_size_mb(Path(argv[0]))
    verdict = "within" if size <= BUNDLE_BUDGET_MB else "OVER"
    print(f"bundle size: {size:.1f} MB ({verdict} the budget of {BUNDLE_BUDGET_MB:.0f} MB)")
    return 0 if size <= BUNDLE_BUDGET_MB else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
