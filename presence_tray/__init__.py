"""Presence Tray: everyone's availability across chat platforms, in one tray icon."""

__version__ = "0.1.0"
