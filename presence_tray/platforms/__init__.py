"""One package per platform, each turning its documented wire payloads into core values.

Shared pieces: :mod:`.wire` (typed, never-raising reads of JSON payloads and the log that
reports an unexpected value once). :mod:`.simulated` is the built-in network the app runs on
when no account is connected. Importing a package here has no side effects.
"""
