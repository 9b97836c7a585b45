"""The worker: takes queued work and runs the handler registered for its kind."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

from bot.foreground import Foreground
from bot.store.queue import ClaimedWork, WorkQueue

log = logging.getLogger(__name__)

WorkHandler = Callable[[dict[str, Any]], Awaitable[None]]
BatchHandler = Callable[[list[dict[str, Any]]], Awaitable[None]]
BATCH_SIZE = 256  # indexing: more sources per embedding call means less padding waste


class PermanentWorkError(Exception):
    """Work that can never succeed (bad payload, gone target): recorded as failed, not retried."""


class RetryLater(Exception):
    """Work that waits on something away (the search index): retried after `seconds`, never given up."""

    def __init__(self, reason: str, *, seconds: float) -> None:
        super().__init__(reason)
        self.seconds = seconds


class Worker:
    """Polls the queue and runs work one item at a time per lane; `wake()` shortens the wait.

    A lane is a set of work kinds with its own loop: indexing (embedding, mostly outside the GIL) in one lane
    and Slack events (extraction, in Python) in another run side by side on two cores.
    """

    def __init__(self, queue: WorkQueue, handlers: dict[str, WorkHandler], *, poll_seconds: float = 0.5,
                 batch_handlers: dict[str, BatchHandler] | None = None,
                 lanes: Sequence[tuple[str, ...]] | None = None, foreground: Foreground | None = None) -> None:
        self.queue = queue
        self.foreground = foreground
        self.handlers = handlers
        self.batch_handlers = batch_handlers or {}
        self.poll_seconds = poll_seconds
        self.lanes = [lane for lane in (lanes or [self.kinds]) if lane]
        self._wakes = [asyncio.Event() for _ in self.lanes]
        self._stopping = False

    def wake(self) -> None:
        """Tell the worker that new work was queued."""
        for event in self._wakes:
            event.set()

    @property
    def kinds(self) -> tuple[str, ...]:
        """Every kind of work this worker runs."""
        return (*self.handlers, *self.batch_handlers)

    async def run_once(self, kinds: tuple[str, ...] | None = None) -> bool:
        """Run one runnable item (or a batch of one kind) of `kinds` (default all); False when none was waiting.
        With a `foreground`, each item first waits for a lull in the requests being served."""
        if self.foreground is not None:
            await self.foreground.lull()
        work = await asyncio.to_thread(self.queue.claim, kinds=kinds or self.kinds)
        if work is None:
            return False
        if work.kind in self.batch_handlers:
            await self._run_batch(work)
            return True
        handler = self.handlers[work.kind]
        try:
            await handler(work.payload)
        except PermanentWorkError as exc:
            log.warning("work %s (%s) failed for good: %s", work.id, work.kind, exc)
            await asyncio.to_thread(self.queue.fail, work.id, error=str(exc), give_up=True)
        except RetryLater as exc:
            await self._wait(work, exc)
        except Exception as exc:  # noqa: BLE001 - every failure is recorded and retried
            log.exception("work %s (%s) failed on attempt %s", work.id, work.kind, work.attempts)
            await asyncio.to_thread(self.queue.fail, work.id, error=f"{type(exc).__name__}: {exc}")
        else:
            await asyncio.to_thread(self.queue.finish, work.id)
        return True

    async def _run_batch(self, first: ClaimedWork) -> None:
        more = await asyncio.to_thread(self.queue.claim_many, kinds=(first.kind,), limit=BATCH_SIZE - 1)
        batch = [first, *more]
        try:
            await self.batch_handlers[first.kind]([w.payload for w in batch])
        except RetryLater as exc:
            for work in batch:
                await self._wait(work, exc)
        except Exception as exc:  # noqa: BLE001 - the batch is retried item by item's attempts
            log.exception("batch of %s %s items failed", len(batch), first.kind)
            for work in batch:
                await asyncio.to_thread(self.queue.fail, work.id, error=f"{type(exc).__name__}: {exc}")
        else:
            await asyncio.to_thread(self.queue.finish, *(w.id for w in batch))

    async def _wait(self, work: ClaimedWork, exc: RetryLater) -> None:
        log.warning("work %s (%s) waits %.0f s: %s", work.id, work.kind, exc.seconds, exc)
        await asyncio.to_thread(self.queue.fail, work.id, error=str(exc), retry_in=timedelta(seconds=exc.seconds),
                                keep_trying=True)

    async def drain(self) -> int:
        """Run work until none is runnable now; returns how many items ran."""
        ran = 0
        while await self.run_once():
            ran += 1
        return ran

    async def run_forever(self) -> None:
        """The serving process's loops, one per lane."""
        await asyncio.gather(*(self._run_lane(kinds, wake) for kinds, wake in zip(self.lanes, self._wakes, strict=True)))

    async def _run_lane(self, kinds: tuple[str, ...], wake: asyncio.Event) -> None:
        while not self._stopping:
            try:
                if await self.run_once(kinds):
                    continue
            except Exception:  # noqa: BLE001 - a database hiccup must not kill the worker
                log.exception("worker loop error")
            wake.clear()
            try:
                await asyncio.wait_for(wake.wait(), timeout=self.poll_seconds)
            except TimeoutError:
                pass

    def stop(self) -> None:
        """Ask the loops to end after their current item."""
        self._stopping = True
        self.wake()
