"""Someone who messaged the user's WhatsApp Business number, as the contacts window shows them:
"messaged you 5 min ago", unknown, never online (the value reaches the hub as the webhook
publishes it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from presence_tray.core.describe import STATE_WORDS
from presence_tray.core.identity import IdentityKey, Platform
from presence_tray.core.presence import PresenceState
from presence_tray.people_service import PeopleService
from presence_tray.platforms.whatsapp import LIMITATION
from presence_tray.platforms.whatsapp.webhook import InboundMessage
from presence_tray.ui.contacts_model import ContactsModel
from presence_tray.ui.contacts_window import ContactsWindow
from presence_tray.whatsapp_webhook import WhatsAppInbox

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from presence_tray.core.clock import ManualClock
    from presence_tray.core.hub import PresenceHub

SHEENA = IdentityKey(Platform.WHATSAPP, "106540352242922", "16505551234")


async def _no_secrets() -> None:
    return None


def test_a_sender_shows_when_they_messaged_never_as_online(
    qtbot: QtBot, hub: PresenceHub, clock: ManualClock
) -> None:
    inbox = WhatsAppInbox(hub, _no_secrets, clock=clock)
    message = InboundMessage(
        SHEENA.account_id, SHEENA.remote_id, "wamid.1", clock.now() - 300, "Sheena Nelson"
    )
    assert inbox.take([message]) == 1
    hub.flush()
    model = ContactsModel(hub, clock)
    window = ContactsWindow(
        model, simulated_network=True, tray_available=True, people=PeopleService(None)
    )
    qtbot.addWidget(window)
    try:
        window.show_near(None)
        qtbot.waitExposed(window)
        person = hub.person_of(SHEENA)
        assert person is not None
        assert window.open_person(person.person_id)
        detail = window.detail
        assert detail.summary_label.text() == (
            f"{STATE_WORDS[PresenceState.UNKNOWN]} · {LIMITATION} · messaged you 5 min ago"
        )
        (row,) = detail.identity_rows
        assert row.value_label.text() == f"{LIMITATION} · messaged you 5 min ago"
        assert not row.limitation_label.isVisibleTo(detail)  # the value says it already
        assert row.chat_button is not None
        assert row.chat_button.property("chat_url") == "https://wa.me/16505551234"
        shown = f"{detail.summary_label.text()} {detail.explanation_label.text()}"
        assert "Available" not in shown
        assert "online" not in shown.lower()
    finally:
        model.close()
