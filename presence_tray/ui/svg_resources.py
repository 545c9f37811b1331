"""The app's SVG resources (``presence_tray/resources``), rendered with QtSvg and cached.

Files are read through ``importlib.resources``, so they load the same from a checkout, an
installed wheel and a PyInstaller bundle. Each resource is rendered once per pixel size: the
contacts list draws thousands of badges, and each paint then only copies a cached pixmap.
"""

from __future__ import annotations

from functools import cache, lru_cache
from importlib import resources

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

RESOURCE_PACKAGE = "presence_tray"
RESOURCE_FOLDER = "resources"
_CACHED_PIXMAPS = 512
"""Renderings kept: 10 resources at a few dozen sizes (lists, tray, 100 % and 200 %)."""


class MissingResourceError(RuntimeError):
    """A resource file is missing or unreadable: the installation is incomplete."""


def resource_bytes(name: str) -> bytes:
    """The contents of ``presence_tray/resources/<name>`` (e.g. ``"badges/check.svg"``)."""
    path = resources.files(RESOURCE_PACKAGE).joinpath(RESOURCE_FOLDER, *name.split("/"))
    try:
        return path.read_bytes()
    except OSError as err:
        msg = (
            f"Presence Tray's file {RESOURCE_FOLDER}/{name} is missing ({err}); "
            "reinstall the app to restore it."
        )
        raise MissingResourceError(msg) from err


@cache
def svg_renderer(name: str) -> QSvgRenderer:
    """The parsed SVG resource ``name`` (parsed once per run)."""
    renderer = QSvgRenderer(QByteArray(resource_bytes(name)))
    if not renderer.isValid():
        msg = f"Presence Tray's file {RESOURCE_FOLDER}/{name} is not a valid SVG image."
        raise MissingResourceError(msg)
    return renderer


def render_image(name: str, pixels: int) -> QImage:
    """The SVG resource ``name`` on a transparent square image ``pixels`` wide."""
    image = QImage(pixels, pixels, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, on=True)
    svg_renderer(name).render(painter, QRectF(0, 0, pixels, pixels))
    painter.end()
    return image


@lru_cache(maxsize=_CACHED_PIXMAPS)
def resource_pixmap(name: str, pixels: int) -> QPixmap:
    """The SVG resource ``name`` rendered ``pixels`` wide, cached per name and size."""
    return QPixmap.fromImage(render_image(name, pixels))
