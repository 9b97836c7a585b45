"""The double's rate-limit tiers: 429 with Retry-After over a method's budget, per method, off by default."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.slack_double import SlackDouble
from tests.slack_double_tests.people import ALICE, CHANNEL


class StepClock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_limits_are_off_by_default(slack: SlackDouble, client: AsyncWebClient) -> None:
    for _ in range(60):
        await client.conversations_history(channel=CHANNEL)
    assert all(c.status == 200 for c in slack.calls_to("conversations.history"))


async def test_a_method_over_its_tier_gets_429_with_retry_after_until_the_window_moves(
        slack: SlackDouble, client: AsyncWebClient) -> None:
    clock = StepClock()
    slack.rate_limits.clock = clock
    slack.enforce_rate_limits(window=10.0, tiers={3: 2})
    await client.conversations_history(channel=CHANNEL)
    clock.now += 4
    await client.conversations_history(channel=CHANNEL)
    with pytest.raises(SlackApiError) as refused:
        await client.conversations_history(channel=CHANNEL)
    assert refused.value.response.status_code == 429
    assert refused.value.response["error"] == "ratelimited"
    assert refused.value.response.headers["Retry-After"] == "6"  # the first call leaves the window in 6 s
    await client.conversations_replies(channel=CHANNEL, ts=slack.add_message(CHANNEL, user=ALICE, text="x")["ts"])
    await client.users_info(user=ALICE)  # Tier 4 is not limited here
    clock.now += 6
    await client.conversations_history(channel=CHANNEL)
    statuses = [c.status for c in slack.calls_to("conversations.history")]
    assert statuses == [200, 200, 429, 200]


async def test_the_real_tier_3_budget_is_fifty_a_minute(slack: SlackDouble, client: AsyncWebClient) -> None:
    slack.rate_limits.clock = StepClock()
    slack.enforce_rate_limits()
    for _ in range(50):
        await client.conversations_history(channel=CHANNEL)
    with pytest.raises(SlackApiError):
        await client.conversations_history(channel=CHANNEL)
    assert len(slack.calls_to("conversations.history", lambda c: c.status == 429)) == 1
