"""What goes into the PyInstaller bundle and how big it may be (read by the spec and CI).

Standard library only: ``presence-tray.spec``, ``check_bundle.py`` and ``bench/launch.py``
import it by putting this folder on ``sys.path`` (the folder is not a Python package: its
name would shadow PyPA's ``packaging``, which PyInstaller itself imports).
"""

from __future__ import annotations

from typing import Final

USED_QT_MODULES: Final = ("QtCore", "QtGui", "QtWidgets", "QtSvg")
"""The Qt modules the app imports (tests/test_packaging.py checks the package's imports)."""

UNUSED_QT_MODULES: Final = (
    "Qt3DAnimation", "Qt3DCore", "Qt3DExtras", "Qt3DInput", "Qt3DLogic", "Qt3DRender",
    "QtBluetooth", "QtCharts", "QtConcurrent", "QtDBus", "QtDataVisualization", "QtDesigner",
    "QtGraphs", "QtHelp", "QtHttpServer", "QtLocation", "QtMultimedia", "QtMultimediaWidgets",
    "QtNetwork", "QtNetworkAuth", "QtNfc", "QtOpenGL", "QtOpenGLWidgets", "QtPdf",
    "QtPdfWidgets", "QtPositioning", "QtPrintSupport", "QtQml", "QtQuick", "QtQuick3D",
    "QtQuickControls2", "QtQuickWidgets", "QtRemoteObjects", "QtScxml", "QtSensors",
    "QtSerialBus", "QtSerialPort", "QtSpatialAudio", "QtSql", "QtStateMachine", "QtSvgWidgets",
    "QtTest", "QtTextToSpeech", "QtUiTools", "QtWebChannel", "QtWebEngineCore",
    "QtWebEngineQuick", "QtWebEngineWidgets", "QtWebSockets", "QtWebView", "QtXml",
)  # fmt: skip
"""PySide6 modules the app never imports: kept out of the bundle with their Qt libraries."""

EXCLUDED_MODULES: Final = (
    *(f"PySide6.{name}" for name in UNUSED_QT_MODULES),
    # Development tools that a stray import in a dependency could drag in.
    "tkinter",
    "pytest",
    "mypy",
    "IPython",
    "numpy",
)
"""Module names PyInstaller is told to leave out."""

DROPPED_QT_FILES: Final = (
    # Qt's own translations: the app's words are English, Qt's built-in dialogs are unused.
    "PySide6/Qt/translations/",
    # The GTK 3 platform theme pulls in GTK, GDK, Pango, Cairo, ATK (about 25 MB); Qt's
    # Fusion style and the XDG desktop portal theme (kept) follow the system palette.
    "PySide6/Qt/plugins/platformthemes/libqgtk3",
    # Platforms for devices without a desktop (framebuffer, EGLFS, VNC, Vulkan display).
    "PySide6/Qt/plugins/platforms/libqeglfs",
    "PySide6/Qt/plugins/platforms/libqlinuxfb",
    "PySide6/Qt/plugins/platforms/libqminimalegl",
    "PySide6/Qt/plugins/platforms/libqvkkhrdisplay",
    "PySide6/Qt/plugins/platforms/libqvnc",
    "PySide6/Qt/plugins/egldeviceintegrations/",
    "PySide6/Qt/plugins/generic/",
    "PySide6/Qt/lib/libQt6EglFS",
    "PySide6/Qt/lib/libQt6Network",
    # Image formats the app never reads (its images are SVG and Qt's built-in PNG).
    *(
        f"PySide6/Qt/plugins/imageformats/libq{name}."
        for name in ("gif", "icns", "ico", "jpeg", "tga", "tiff", "wbmp", "webp")
    ),
)
"""Bundle paths (prefixes) dropped after PyInstaller's analysis: Qt plugins and files unused."""

UNNEEDED_SYSTEM_LIBRARIES: Final = (
    "libatk-", "libatspi", "libblkid", "libcairo", "libcom_err", "libdatrie", "libepoxy",
    "libfribidi", "libgdk-3", "libgdk_pixbuf", "libgio-2", "libgmodule-2", "libgobject-2",
    "libgraphite2", "libgssapi_krb5", "libgtk-3", "libharfbuzz", "libjpeg", "libk5crypto",
    "libkeyutils", "libkrb5", "libmount", "libpango", "libpixman", "libselinux", "libthai",
    "libXcomposite", "libXcursor", "libXdamage", "libXext", "libXfixes", "libXi.",
    "libXinerama", "libXrandr", "libXrender",
)  # fmt: skip
"""System libraries only the dropped files needed (``ldd`` over every kept library and plugin
found none of these); the bundle test on the test desktop proves the app starts without them."""

BUNDLE_BUDGET_MB: Final = 150.0
"""The one-folder bundle's size limit on Linux x86-64 in MB (10**6 bytes), CI fails above it: 144.5
when set, 147.0 with the local API and webhooks (PySide6 6.11, PyInstaller 6.16; ICU's data alone
is 31 MB)."""
