"""A homeserver with presence turned off (``presence.enabled: false``): the account says so."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from presence_tray.core.client import AccountHealth
from presence_tray.core.presence import PresenceState
from presence_tray.platforms.matrix.client import PRESENCE_OFF
from tests.platforms.matrix.conftest import run_until
from tests.servers.synapse_server import run_synapse

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.platforms.matrix.conftest import MatrixRig
    from tests.servers.synapse_server import SynapseServer

pytestmark = pytest.mark.synapse


@pytest.fixture(scope="module")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SynapseServer]:
    """A homeserver that shares no one's presence (overrides conftest's ``synapse``)."""
    folder = tmp_path_factory.mktemp("synapse-presence-off")
    with run_synapse(folder, extra_config="presence:\n  enabled: false\n") as server:
        yield server


async def test_presence_turned_off_is_degraded_with_contacts_unknown(rig: MatrixRig) -> None:
    rig.colleague.set_presence("online", "Here, but no one can tell")

    await rig.start()

    await run_until(lambda: rig.health() is AccountHealth.DEGRADED, what="degraded")
    status = rig.supervisor.status(rig.account)
    assert status is not None
    assert status.message == PRESENCE_OFF
    await run_until(lambda: rig.aggregate(rig.colleague) is not None, what="a value")
    aggregate = rig.aggregate(rig.colleague)
    assert aggregate is not None
    assert aggregate.state is PresenceState.UNKNOWN
