"""Fixtures for the Slack double's own tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from tests.slack_double import SlackDouble
from tests.slack_double_tests.people import ALICE, BOB, CHANNEL, ELSEWHERE, EXTERNAL, SHARED


@pytest.fixture
async def slack() -> AsyncIterator[SlackDouble]:
    """A running double with two local users, one Slack Connect user and three channels."""
    async with SlackDouble() as double:
        double.add_user(ALICE, "alice", "Alice Liddell", tz="Europe/Paris", email="alice@example.com")
        double.add_user(BOB, "bob", "Bob Builder", tz="America/Los_Angeles")
        double.add_user(EXTERNAL, "carol", "Carol Customer", is_external=True, email="carol@customer.example")
        double.add_channel(CHANNEL, "acme-onboarding", members=[ALICE, BOB])
        double.add_channel(SHARED, "acme-shared", is_ext_shared=True, members=[ALICE, EXTERNAL])
        double.add_channel(ELSEWHERE, "random", members=[ALICE], bot_is_member=False)
        yield double


@pytest.fixture
def client(slack: SlackDouble) -> AsyncWebClient:
    """A real slack_sdk client pointed at the double with the bot token."""
    return AsyncWebClient(base_url=slack.api_url, token=slack.bot_token)
