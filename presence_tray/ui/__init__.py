"""The Qt desktop UI: tray, contacts model/view, windows; the only package importing PySide6."""

APP_NAME = "Presence Tray"
"""The name people see: window titles, the tray tooltip, the menu."""
