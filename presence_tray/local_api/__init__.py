"""The local HTTP API: people, availability, statistics, a stream of changes and my status,
on 127.0.0.1 only, served by aiohttp in the app's own event loop.

``server`` (start, stop, the checks every request passes), ``routes`` (the endpoints),
``events`` (server-sent events fanned out from the hub), ``openapi`` (the document),
``token`` (the bearer token in the keyring), ``discovery`` (the file that says where the API
listens) and ``service`` (the API switched on and off by the preferences).
"""
