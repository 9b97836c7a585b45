"""Who a Slack user is: name, time zone and side, from `users.info`, cached in the store."""

from __future__ import annotations

import asyncio
import functools
import time
from datetime import timedelta

from sqlalchemy.engine import Engine

from bot.clock import Clock
from bot.store import repos
from bot.store.db import session_scope
from bot.store.models import SlackUser
from handlers.slack_api import SlackGateway

CACHE_FOR = timedelta(hours=24)  # how old a cached user may be, unless the caller says otherwise
KEEP_IN_MEMORY_S = 60.0  # a user read from the store is reused this long without reading it again


def _display_name(user: dict[str, object]) -> str:
    profile = user.get("profile") or {}
    assert isinstance(profile, dict)
    for candidate in (user.get("real_name"), profile.get("real_name"), profile.get("display_name"), user.get("name")):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return str(user.get("id", "someone"))


class People:
    """Resolves Slack users to cached `SlackUser` rows; external means another organisation."""

    def __init__(self, engine: Engine, gateway: SlackGateway, clock: Clock) -> None:
        self.engine = engine
        self.gateway = gateway
        self.clock = clock
        self._kept: dict[str, tuple[float, SlackUser]] = {}  # user id -> (when read, the row): a page of a
        # backfill names the same few people hundreds of times
        self._asking: dict[str, asyncio.Task[SlackUser]] = {}  # one users.info at a time per user

    def _cached(self, user_id: str, max_age: timedelta) -> SlackUser | None:
        with session_scope(self.engine, write=False) as session:
            cached = repos.get_cached_user(session, user_id=user_id)
        if cached and self.clock.now() - cached.fetched_at < max_age:
            return cached
        return None

    def _store(self, user: SlackUser) -> None:
        with session_scope(self.engine) as session:
            repos.cache_user(session, user=user)

    async def get(self, user_id: str, *, max_age: timedelta = CACHE_FOR) -> SlackUser:
        """The user, from the cache when fetched less than `max_age` ago, else from `users.info`."""
        kept = self._kept.get(user_id)
        if kept and time.monotonic() - kept[0] < KEEP_IN_MEMORY_S and self.clock.now() - kept[1].fetched_at < max_age:
            return kept[1]
        cached = await asyncio.to_thread(self._cached, user_id, max_age)
        if cached is not None:
            self._kept[user_id] = (time.monotonic(), cached)
            return cached
        return await self._ask_once(user_id)

    async def _ask_once(self, user_id: str) -> SlackUser:
        """`users.info` for a user nobody is asking about yet; callers asking meanwhile share its answer
        (a burst of commands from one new user made one call each)."""
        loop = asyncio.get_running_loop()
        asking = self._asking.get(user_id)
        if asking is None or asking.get_loop() is not loop:
            asking = loop.create_task(self._ask(user_id))
            self._asking[user_id] = asking
            asking.add_done_callback(functools.partial(self._asked, user_id))
        return await asyncio.shield(asking)

    def _asked(self, user_id: str, done: asyncio.Task[SlackUser]) -> None:
        if self._asking.get(user_id) is done:
            del self._asking[user_id]

    async def _ask(self, user_id: str) -> SlackUser:
        """Ask Slack about a user and keep the answer in the store and in memory."""
        info = await self.gateway.user_info(user_id)
        identity = await self.gateway.identity()
        profile = info.get("profile") or {}
        team_id = info.get("team_id") or identity.team_id
        user = SlackUser(
            user_id=user_id,
            team_id=team_id,
            name=_display_name(info),
            tz=info.get("tz"),
            email=profile.get("email") if isinstance(profile, dict) else None,
            is_external=bool(team_id != identity.team_id or info.get("is_stranger")),
            is_bot=bool(info.get("is_bot")),
            fetched_at=self.clock.now(),
        )
        await asyncio.to_thread(self._store, user)
        self._kept[user_id] = (time.monotonic(), user)
        return user
