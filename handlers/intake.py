"""Event intake: record the event id and queue its work in one transaction, before the ack."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy.engine import Engine

from bot.store import repos
from bot.store.db import checkpoints_left_to_others
from bot.store.queue import enqueue_rows

SLACK_EVENT = "slack.event"


def _identity(body: dict[str, Any]) -> tuple[str, str] | None:
    """(event id, event type) of a delivery worth queueing, else None."""
    event = body.get("event") or {}
    event_id = body.get("event_id")
    if not isinstance(event, dict) or not isinstance(event_id, str) or not event_id:
        return None
    return event_id, str(event.get("type", ""))


def accept_events(engine: Engine, bodies: Sequence[dict[str, Any]]) -> list[bool]:
    """Queue Events API deliveries once each, in one transaction; False for a redelivery (same `event_id`).

    Plain SQL rather than ORM objects: this runs before every ack, and the ORM's unit of work cost
    about ten times the commit itself. On SQLite the commit never checkpoints the WAL: a checkpoint of
    what the worker wrote doubled the slowest acks."""
    identities = [_identity(body) for body in bodies]
    wanted = [i for i in identities if i is not None]
    with engine.connect() as connection, checkpoints_left_to_others(connection), connection.begin():
        fresh = iter(repos.remember_events(connection, wanted))
        accepted = [identity is not None and next(fresh) for identity in identities]
        enqueue_rows(connection, kind=SLACK_EVENT, payloads=[
            {"event_id": body["event_id"], "team_id": body.get("team_id"), "event": body.get("event") or {}}
            for body, ok in zip(bodies, accepted, strict=True) if ok])
    return accepted


class EventIntake:
    """Takes events in on a thread of its own, committing the deliveries that arrived together at once.

    Acks never wait for the shared thread pool (where the worker embeds and indexes), intakes never queue
    on SQLite's write lock against each other (its busy handler sleeps in growing steps), and under a
    burst one commit serves every delivery that came in while the previous one ran (group commit).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="intake")
        self._waiting: list[tuple[dict[str, Any], asyncio.Future[bool]]] = []
        self._committer: asyncio.Task[None] | None = None

    async def accept(self, body: dict[str, Any]) -> bool:
        """Queue one delivery with whatever else is waiting; False for a redelivery (same `event_id`)."""
        accepted = asyncio.get_running_loop().create_future()
        self._waiting.append((body, accepted))
        if self._committer is None:
            self._committer = asyncio.create_task(self._commit_waiting())
        return await accepted

    async def _commit_waiting(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                await self._commit(batch)
        finally:
            self._committer = None

    async def _commit(self, batch: list[tuple[dict[str, Any], asyncio.Future[bool]]]) -> None:
        """One transaction for the batch; if it fails, each delivery alone, so a bad one fails alone."""
        loop = asyncio.get_running_loop()
        try:
            results = await loop.run_in_executor(self._executor, accept_events, self.engine, [b for b, _ in batch])
        except Exception as exc:  # noqa: BLE001 - handed to the waiting listener
            if len(batch) > 1:
                for one in batch:
                    await self._commit([one])
            elif not batch[0][1].done():
                batch[0][1].set_exception(exc)
            return
        for (_, accepted), result in zip(batch, results, strict=True):
            if not accepted.done():  # done: its listener was cancelled
                accepted.set_result(result)
