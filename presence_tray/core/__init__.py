"""The Qt-free heart of Presence Tray: vocabulary, aggregation, the hub and the supervisor.

Standard library only; import-linter keeps it that way.
"""
