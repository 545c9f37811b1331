"""Building the simulated network the app runs on when no account is connected."""

from __future__ import annotations

from typing import TYPE_CHECKING

from presence_tray.core.identity import Platform
from presence_tray.platforms.simulated.client import SIMULATED_UNKNOWN_LOG, SimulatedAccountClient
from presence_tray.platforms.simulated.population import DEFAULT_POPULATION, build_population
from presence_tray.platforms.simulated.world import World

if TYPE_CHECKING:
    from presence_tray.core.clock import Clock
    from presence_tray.platforms.wire import UnknownValueLog

DEFAULT_SEED = 7


def build_simulated_network(
    *,
    seed: int = DEFAULT_SEED,
    size: int = DEFAULT_POPULATION,
    clock: Clock,
    unknown: UnknownValueLog = SIMULATED_UNKNOWN_LOG,
) -> list[SimulatedAccountClient]:
    """One client per platform for ``size`` people (1 to 10,000) living in one seeded world.

    Start each with the supervisor. The Zoom account drops its connection now and then, to
    show reconnecting and stale values. Raises ValueError for a size out of range.
    """
    world = World(seed, build_population(seed, size))
    return [
        SimulatedAccountClient(
            platform,
            world,
            clock,
            unknown=unknown,
            drops_connection=platform is Platform.ZOOM,
        )
        for platform in Platform
        if world.people_on(platform)
    ]
