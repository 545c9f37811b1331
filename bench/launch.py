"""Benchmark of the installable packages: the bundle's size, launch to tray of both installs.

    .venv/bin/python bench/launch.py [--launches 3] [--people 30] [--packages build/packages]

Needs what scripts/build-packages.sh builds (the PyInstaller bundle and the fresh venv the
wheel was installed into; ``--packages`` or ``PRESENCE_TRAY_PACKAGES`` when not
``build/packages``) and the test desktop (scripts/desktop-session.sh start, then source its env
file). Each launch starts the app on a fresh, empty data folder with ``--people`` simulated
people, and the figure is the time until the tray host has embedded its icon (as
bench/ui.py measures the checkout's app): the median of ``--launches`` launches of the
bundle's executable and of the wheel install's ``presence-tray`` script, taken in turns so a
busy moment of the machine does not favour one. The bundle's size is the sum of its files'
sizes, against the budget in packaging/bundle_policy.py.

Prints the figures, then one JSON line with ``bundle_size_mb``, ``bundle_budget_mb``,
``bundle_launch_to_tray_s`` and ``wheel_launch_to_tray_s`` (null when not measured).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# bundle_policy and check_bundle: packaging/ is not a package (it would shadow PyPA's).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "packaging"))

from bundle_policy import BUNDLE_BUDGET_MB
from check_bundle import folder_size_mb

from bench.ui import launch_to_tray, rounded
from tests.packaged_app import PACKAGES_ENV, bundle_executable, wheel_executable


def parse_options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--launches", type=int, default=3, help="launches of each (median)")
    parser.add_argument("--people", type=int, default=30, help="simulated people")
    parser.add_argument("--packages", type=Path, help="scripts/build-packages.sh's output")
    return parser.parse_args()


def median_launch(name: str, times: list[float | None]) -> float | None:
    """Print and return the median of the launches that showed the icon (None if none did)."""
    timed = [seconds for seconds in times if seconds is not None]
    listed = ", ".join("none" if s is None else f"{s:.2f}" for s in times)
    median = statistics.median(timed) if timed else None
    shown = "no tray icon seen" if median is None else f"{median:.2f} s"
    print(f"{name}: launch to tray icon {shown} (median of {listed})")
    return median


def main() -> int:
    """Measure and print; 1 when the packages or the desktop are missing."""
    options = parse_options()
    if options.packages:
        os.environ[PACKAGES_ENV] = str(options.packages.resolve())
    bundle, wheel = bundle_executable(), wheel_executable()
    missing = [str(path) for path in (bundle, wheel) if not os.access(path, os.X_OK)]
    if missing:
        print(f"not built: {', '.join(missing)}; run scripts/build-packages.sh", file=sys.stderr)
        return 1
    size = folder_size_mb(bundle.parent)
    print(f"bundle: {bundle.parent}, {size:.1f} MB (budget {BUNDLE_BUDGET_MB:.0f} MB)")
    results: dict[str, float | None] = {
        "bundle_size_mb": rounded(size, 1),
        "bundle_budget_mb": BUNDLE_BUDGET_MB,
        "bundle_launch_to_tray_s": None,
        "wheel_launch_to_tray_s": None,
    }
    if not os.environ.get("DISPLAY"):
        print("launch to tray: needs the test desktop (scripts/desktop-session.sh): null")
    else:
        runs: dict[str, list[float | None]] = {"bundle": [], "wheel": []}
        for _ in range(options.launches):
            runs["bundle"].append(launch_to_tray(options.people, command=[str(bundle)]))
            runs["wheel"].append(launch_to_tray(options.people, command=[str(wheel)]))
        bundle_s = median_launch(f"bundle ({bundle.name})", runs["bundle"])
        wheel_s = median_launch(f"wheel install ({wheel})", runs["wheel"])
        results["bundle_launch_to_tray_s"] = rounded(bundle_s, 3)
        results["wheel_launch_to_tray_s"] = rounded(wheel_s, 3)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
