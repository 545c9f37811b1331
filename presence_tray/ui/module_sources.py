"""Give back the source text PySide6 reads from every imported module.

Once PySide6 is imported, shiboken's import hook (PYSIDE-2029, for ``from __feature__
import ...``) calls ``inspect.getsource`` on every module already imported and on every one
imported later, to see whether it mentions PySide6. ``inspect`` reads through
:mod:`linecache`, which keeps each file as a list of lines for the rest of the process: the
whole source of the standard library, Qt's bindings and this app that the process ever
imported. Nothing needs it: the hook has its answer, and a traceback reads the file again
when it prints one. Dropping it lowers the app's peak memory by about 4 MB.
"""

from __future__ import annotations

import linecache


def drop_module_sources() -> None:
    """Empty :mod:`linecache` after a batch of imports (safe at any time; it is only a cache)."""
    linecache.clearcache()
