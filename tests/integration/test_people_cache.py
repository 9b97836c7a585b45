"""Who a Slack user is: asked of users.info once, read from the store at most once a minute, not once a message."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.container import Container
from bot.store.models import SlackUser
from handlers import people as people_module
from handlers.people import People
from handlers.slack_api import SlackGateway, make_web_client
from tests.integration.harness import CUSTOMER, seed_workspace
from tests.slack_double import SlackDouble


async def test_a_user_named_by_many_messages_is_read_once(container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    async with SlackDouble() as slack:
        seed_workspace(slack)
        people = People(container.engine, SlackGateway(make_web_client(token=slack.bot_token, base_url=slack.api_url)),
                        container.clock)
        reads: list[str] = []
        read_store = people._cached

        def counted(user_id: str, max_age: timedelta) -> SlackUser | None:
            reads.append(user_id)
            return read_store(user_id, max_age)

        monkeypatch.setattr(people, "_cached", counted)

        first = await people.get(CUSTOMER)
        assert (first.name, first.is_external) == ("Ben Customer", True)
        assert len(slack.calls_to("users.info")) == 1 and reads == [CUSTOMER]

        for _ in range(50):  # a backfill page by the same author
            assert (await people.get(CUSTOMER)).name == "Ben Customer"
        assert reads == [CUSTOMER] and len(slack.calls_to("users.info")) == 1

        monkeypatch.setattr(people_module, "KEEP_IN_MEMORY_S", 0.0)  # a minute later: the store is read again
        assert (await people.get(CUSTOMER)).name == "Ben Customer"
        assert reads == [CUSTOMER, CUSTOMER] and len(slack.calls_to("users.info")) == 1


async def test_many_asking_at_once_about_a_new_user_make_one_users_info_call(container: Container) -> None:
    async with SlackDouble() as slack:
        seed_workspace(slack)
        people = People(container.engine, SlackGateway(make_web_client(token=slack.bot_token, base_url=slack.api_url)),
                        container.clock)
        users = await asyncio.gather(*(people.get(CUSTOMER) for _ in range(30)))  # a burst of commands by one user
        assert {(u.name, u.is_external) for u in users} == {("Ben Customer", True)}
        assert len(slack.calls_to("users.info")) == 1
        assert people._asking == {}  # nothing is kept once the answer is in
