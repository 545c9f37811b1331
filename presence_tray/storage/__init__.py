"""Persistence: the SQLite database, its repositories, and the keyring-backed secret store."""
