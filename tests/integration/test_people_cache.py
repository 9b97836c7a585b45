"""Who a Slack user is: asked of users.info once, read from the store at most once a minute, not once a message."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.container import Container
from bot.store.models import SlackUser
from handlers import people as people_module
from handlers.people import People
from handlers.slack_api import BotIdentity, SlackGateway, make_web_client
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


class _SlowSlack:
    """A gateway whose first users.info never answers (its loop is closed under it), the next at once."""

    def __init__(self) -> None:
        self.asked = 0

    async def user_info(self, user_id: str) -> dict[str, object]:
        self.asked += 1
        if self.asked == 1:
            await asyncio.sleep(3600)
        return {"id": user_id, "team_id": "T0VENDOR", "real_name": "Ben Customer", "profile": {}}

    async def identity(self) -> BotIdentity:
        return BotIdentity(team_id="T0VENDOR", user_id="U0TANDEMBOT", bot_id="B0TANDEMBOT", url=None)


def test_a_question_left_behind_by_a_closed_event_loop_is_asked_again(container: Container) -> None:
    slack = _SlowSlack()
    people = People(container.engine, slack, container.clock)  # type: ignore[arg-type]
    first = asyncio.new_event_loop()

    async def ask_and_leave() -> None:
        asyncio.ensure_future(people.get(CUSTOMER))
        await asyncio.sleep(0.05)

    first.run_until_complete(ask_and_leave())
    first.close()  # its pending question is never finished nor cancelled
    user = asyncio.run(asyncio.wait_for(people.get(CUSTOMER), timeout=5))
    assert (user.name, slack.asked) == ("Ben Customer", 2)
