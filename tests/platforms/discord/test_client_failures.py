"""The Discord client's failures: refused tokens, the missing intent, rate limits, budgets."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from presence_tray.core.client import AccountHealth
from presence_tray.platforms.discord.client import OTHER_BOT
from presence_tray.platforms.discord.gateway import (
    PRESENCE_INTENT_DISALLOWED,
    REFUSED_BY_GATEWAY,
)
from presence_tray.platforms.discord.rest import CREDENTIALS_REFUSED
from tests.platforms.discord.conftest import ACCOUNT, TOKEN

if TYPE_CHECKING:
    from presence_tray.core.supervisor import AccountStatus
    from tests.platforms.discord.conftest import DiscordRig


def _parked(rig: DiscordRig) -> AccountStatus:
    status = rig.supervisor.status(ACCOUNT)
    assert status is not None
    return status


def _no_token_in(rig: DiscordRig, records: list[logging.LogRecord]) -> None:
    assert TOKEN not in _parked(rig).message
    assert all(TOKEN not in record.getMessage() for record in records)


async def test_a_token_the_gateway_refuses_needs_reconnecting(
    rig: DiscordRig, expected_warnings: list[logging.LogRecord]
) -> None:
    rig.gateway.token = "FAKE-NOT-A-SECRET.another-token"  # REST still takes the old one
    rig.start()
    await rig.run_until(
        lambda: rig.health() is AccountHealth.NEEDS_RECONNECT, what="needs reconnect"
    )

    assert _parked(rig).message == REFUSED_BY_GATEWAY
    assert "4004" in REFUSED_BY_GATEWAY
    assert len(rig.gateway.identifies) == 1  # never retried
    _no_token_in(rig, expected_warnings)
    assert [r.levelno for r in expected_warnings] == [logging.WARNING]


async def test_a_token_rest_refuses_needs_reconnecting(
    rig: DiscordRig, expected_warnings: list[logging.LogRecord]
) -> None:
    rig.rest.token = "FAKE-NOT-A-SECRET.another-token"
    rig.start()
    await rig.run_until(
        lambda: rig.health() is AccountHealth.NEEDS_RECONNECT, what="needs reconnect"
    )

    assert _parked(rig).message == CREDENTIALS_REFUSED
    assert rig.gateway.identifies == []
    _no_token_in(rig, expected_warnings)


async def test_the_token_of_another_bot_needs_reconnecting(
    rig: DiscordRig, expected_warnings: list[logging.LogRecord]
) -> None:
    rig.rest.bot_id = "1180000000000000099"
    rig.start()
    await rig.run_until(
        lambda: rig.health() is AccountHealth.NEEDS_RECONNECT, what="needs reconnect"
    )

    assert _parked(rig).message == OTHER_BOT
    assert len(expected_warnings) == 1


async def test_without_the_presence_intent_the_account_fails_saying_how_to_enable_it(
    rig: DiscordRig, expected_warnings: list[logging.LogRecord]
) -> None:
    rig.gateway.presence_intent_enabled = False
    rig.start()
    await rig.run_until(lambda: rig.health() is AccountHealth.FAILED, what="failed")

    message = _parked(rig).message
    assert PRESENCE_INTENT_DISALLOWED in message
    assert '"Presence Intent"' in message
    assert "developer portal" in message
    assert len(rig.gateway.identifies) == 1  # 4014 is not retried
    assert [r.levelno for r in expected_warnings] == [logging.ERROR]


async def test_a_close_code_that_must_not_be_retried_fails_the_account(
    rig: DiscordRig, expected_warnings: list[logging.LogRecord]
) -> None:
    await rig.live()

    await rig.gateway.close_with(4012, "Invalid API version.")
    await rig.run_until(lambda: rig.health() is AccountHealth.FAILED, what="failed")

    assert "4012" in _parked(rig).message
    assert rig.gateway.resumes == []
    assert len(expected_warnings) == 1


async def test_a_short_rest_rate_limit_is_waited_out_as_the_429_body_says(
    rig: DiscordRig,
) -> None:
    rig.rest.rate_limit_next, rig.rest.retry_after = 1, 1.5  # the header says 2 s
    rig.start()
    await rig.run_until(lambda: 1.5 in rig.clock.sleeps, what="waiting out the 429")
    assert rig.gateway.identifies == []

    rig.clock.advance(1.5)
    await rig.run_until(rig.everyone_known, what="live after the wait")
    assert rig.rest.answered[:2] == ["/users/@me", "/users/@me"]  # the same call, once more


async def test_a_long_rest_rate_limit_hands_the_wait_to_the_supervisor(rig: DiscordRig) -> None:
    rig.rest.rate_limit_next, rig.rest.retry_after = 1, 120.0
    start = rig.clock.now()
    rig.start()
    await rig.run_until(
        lambda: rig.health() is AccountHealth.DEGRADED and _parked(rig).retry_at is not None,
        what="reconnecting later",
    )

    retry_at = _parked(rig).retry_at
    assert retry_at is not None
    assert retry_at >= start + 120.0
    rig.clock.advance(retry_at - start)
    await rig.run_until(rig.everyone_known, what="live after the supervisor's wait")


async def test_no_identify_is_sent_when_the_daily_budget_is_spent(rig: DiscordRig) -> None:
    rig.rest.identifies_remaining = 0  # resets in an hour (session_start_limit.reset_after)
    start = rig.clock.now()
    rig.start()
    await rig.run_until(
        lambda: rig.health() is AccountHealth.DEGRADED and _parked(rig).retry_at is not None,
        what="waiting for the identify budget",
    )

    assert rig.gateway.identifies == []
    retry_at = _parked(rig).retry_at
    assert retry_at is not None
    assert retry_at >= start + 3600.0


async def test_a_spent_rate_limit_bucket_is_waited_for_before_its_next_call(
    rig: DiscordRig,
) -> None:
    second = rig.gateway.guild("1300000000000000002", "Other team")
    second.add("1200000000000000005", "erin", "online")
    rig.rest.bucket_remaining, rig.rest.bucket_reset_after = 0, 2.0
    rig.start()

    def members_calls() -> list[str]:
        return [route for route in rig.rest.answered if route.endswith("/members")]

    await rig.run_until(lambda: len(members_calls()) == 1, what="the first guild's members")
    await rig.run_until(lambda: 2.0 in rig.clock.sleeps, what="waiting for the bucket")
    await rig.settle()
    assert len(members_calls()) == 1

    rig.clock.advance(2.0)
    await rig.run_until(lambda: len(members_calls()) == 2, what="the second guild's members")
    await rig.run_until(rig.everyone_known, what="live")


async def test_an_unreachable_gateway_is_retried_by_the_supervisor(rig: DiscordRig) -> None:
    await rig.gateway.aclose()  # /gateway/bot still names it: nothing listens there now
    rig.start()
    await rig.run_until(
        lambda: rig.health() is AccountHealth.RECONNECTING and _parked(rig).retry_at is not None,
        what="reconnecting later",
    )

    assert "gateway could not be reached" in _parked(rig).message


async def test_a_gateway_that_keeps_closing_before_ready_is_left_to_the_supervisor(
    rig: DiscordRig,
) -> None:
    rig.gateway.refuse_sessions_with = 4000  # "unknown error": reconnecting is allowed
    rig.start()
    for attempt in (1, 2):
        await rig.run_until(lambda n=attempt: len(rig.gateway.identifies) == n, what="an IDENTIFY")
        await rig.run_until(
            lambda n=attempt: rig.clock.sleeps.count(5.0) == n, what="the identify budget's wait"
        )
        rig.clock.advance(5.0)
    await rig.run_until(
        lambda: rig.health() is AccountHealth.RECONNECTING and _parked(rig).retry_at is not None,
        what="reconnecting later",
    )

    assert len(rig.gateway.identifies) == 3
    assert "keeps closing the connection" in _parked(rig).message
