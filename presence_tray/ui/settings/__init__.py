"""The settings dialog: one tab per module (Accounts, Do not disturb, Notifications, General).

Every control applies and saves at once through a :class:`~.backend.SettingsBackend`, which
the wiring layer provides; nothing here imports storage or a platform.
"""
