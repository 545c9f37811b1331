"""The built-in simulated network: invented people whose presence runs through real code.

A seeded :mod:`.population` of people lives in a deterministic :mod:`.world` (working hours,
meetings, lunch, holidays); :mod:`.render` shows each person's situation as every platform's
raw payload would, and the platforms' real normalisers read it. :mod:`.client` delivers the
result through the core client protocol; :mod:`.network` builds one client per platform.
"""
