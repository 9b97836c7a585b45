"""Event intake: record the event id and queue its work in one transaction, before the ack."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from bot.store import repos
from bot.store.db import checkpoints_left_to_others, session_scope
from bot.store.inbox import EventInbox
from bot.store.models import DeadLetter
from bot.store.queue import enqueue_rows

log = logging.getLogger(__name__)

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

    With an `inbox` (SQLite), deliveries are committed there, a file no other writer holds, and a mover
    takes them into the store on a thread of its own, then calls `moved` (to wake the worker). Before each
    batch the mover awaits `lull` (a lull in the requests being served): during a burst it would take the CPU
    and the GIL from the acks, a few deliveries at a time, for work the worker starts only at a lull anyway.
    A delivery the store refuses even alone is kept as a dead letter; none is lost.
    """

    MOVE_BATCH = 500
    RETRY_S = (0.5, 2.0, 10.0)
    FINISH_S = 5.0

    def __init__(self, engine: Engine, *, inbox: EventInbox | None = None,
                 moved: Callable[[], None] = lambda: None,
                 lull: Callable[[], Awaitable[None]] | None = None) -> None:
        self.engine = engine
        self.inbox = inbox
        self.moved = moved
        self.lull = lull
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="intake")
        self._mover_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inbox-mover")
        self._waiting: list[tuple[dict[str, Any], asyncio.Future[bool]]] = []
        self._committer: asyncio.Task[None] | None = None
        self._mover: asyncio.Task[None] | None = None

    async def accept(self, body: dict[str, Any]) -> bool:
        """Queue one delivery with whatever else is waiting; False for a redelivery (same `event_id`)."""
        accepted = asyncio.get_running_loop().create_future()
        self._waiting.append((body, accepted))
        if self._committer is None:
            self._committer = asyncio.create_task(self._commit_waiting())
        return await accepted

    def move_soon(self) -> None:
        """Start moving the inbox's deliveries into the store, unless that is under way (at start-up: what a
        previous run acked but did not move)."""
        if self.inbox is not None and (self._mover is None or self._mover.done()):
            self._mover = asyncio.create_task(self._move_all())

    async def settled(self) -> None:
        """Wait until the inbox is empty (what was acked is in the store's queue)."""
        while self.inbox is not None and await asyncio.to_thread(self.inbox.count):
            self.move_soon()
            await asyncio.sleep(0.02)

    async def finish(self) -> None:
        """Let the mover finish what it is moving, for `FINISH_S` at most (at shutdown: the inbox keeps the rest,
        and the next start moves it)."""
        if self._mover is not None:
            done, _ = await asyncio.wait([self._mover], timeout=self.FINISH_S)
            if not done:
                self._mover.cancel()

    def _keep(self, bodies: list[dict[str, Any]]) -> list[bool]:
        """Commit deliveries where the ack needs them: the inbox, else the store."""
        if self.inbox is None:
            return accept_events(self.engine, bodies)
        keyed = [b for b in bodies if _identity(b) is not None]
        kept = iter(self.inbox.put(keyed))
        return [_identity(b) is not None and next(kept) for b in bodies]

    async def _commit_waiting(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                await self._commit(batch)
        finally:
            self._committer = None
        self.move_soon()

    async def _commit(self, batch: list[tuple[dict[str, Any], asyncio.Future[bool]]]) -> None:
        """One transaction for the batch; if it fails, each delivery alone, so a bad one fails alone."""
        loop = asyncio.get_running_loop()
        try:
            results = await loop.run_in_executor(self._executor, self._keep, [b for b, _ in batch])
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

    async def _move_all(self) -> None:
        """Move batches until the inbox is empty; when the store cannot be written, try again later."""
        loop = asyncio.get_running_loop()
        failures = 0
        while True:
            if self.lull is not None:
                await self.lull()
            try:
                moved = await loop.run_in_executor(self._mover_thread, self._move_batch)
            except Exception:  # noqa: BLE001 - the deliveries stay in the inbox
                log.exception("could not move acked events into the store; trying again")
                await asyncio.sleep(self.RETRY_S[min(failures, len(self.RETRY_S) - 1)])
                failures += 1
                continue
            if not moved:
                return
            failures = 0
            self.moved()

    def _move_batch(self) -> int:
        """Move the oldest deliveries into the store's queue (each once: the store remembers event ids, so a
        batch moved again after a crash queues nothing twice). Returns how many left the inbox."""
        assert self.inbox is not None
        rows = self.inbox.oldest(self.MOVE_BATCH)
        if not rows:
            return 0
        try:
            accept_events(self.engine, [body for _, body in rows])
        except OperationalError:
            raise  # the store is locked or away: everything stays for the next try
        except Exception:  # noqa: BLE001 - one refused delivery must not hold back the rest
            for _, body in rows:
                self._move_one(body)
        self.inbox.remove([seq for seq, _ in rows])
        return len(rows)

    def _move_one(self, body: dict[str, Any]) -> None:
        try:
            accept_events(self.engine, [body])
        except OperationalError:
            raise
        except Exception as exc:  # noqa: BLE001 - kept with the reason, never dropped
            log.warning("an acked event the store refused is kept as a dead letter")
            with session_scope(self.engine) as session:
                session.add(DeadLetter(origin="slack.event", reason=f"{type(exc).__name__}: {exc}"[:2000],
                                       payload=json.dumps(body).encode()))
