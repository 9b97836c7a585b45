"""The worker: takes queued work and runs the handler registered for its kind."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.store.queue import WorkQueue

log = logging.getLogger(__name__)

WorkHandler = Callable[[dict[str, Any]], Awaitable[None]]


class PermanentWorkError(Exception):
    """Work that can never succeed (bad payload, gone target): recorded as failed, not retried."""


class Worker:
    """Polls the queue and runs work one item at a time; `wake()` shortens the wait."""

    def __init__(self, queue: WorkQueue, handlers: dict[str, WorkHandler], *, poll_seconds: float = 0.5) -> None:
        self.queue = queue
        self.handlers = handlers
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        """Tell the worker that new work was queued."""
        self._wake.set()

    async def run_once(self) -> bool:
        """Run one runnable item; False when none was waiting."""
        work = await asyncio.to_thread(self.queue.claim, kinds=tuple(self.handlers))
        if work is None:
            return False
        handler = self.handlers[work.kind]
        try:
            await handler(work.payload)
        except PermanentWorkError as exc:
            log.warning("work %s (%s) failed for good: %s", work.id, work.kind, exc)
            await asyncio.to_thread(self.queue.fail, work.id, error=str(exc), give_up=True)
        except Exception as exc:  # noqa: BLE001 - every failure is recorded and retried
            log.exception("work %s (%s) failed on attempt %s", work.id, work.kind, work.attempts)
            await asyncio.to_thread(self.queue.fail, work.id, error=f"{type(exc).__name__}: {exc}")
        else:
            await asyncio.to_thread(self.queue.finish, work.id)
        return True

    async def drain(self) -> int:
        """Run work until none is runnable now; returns how many items ran."""
        ran = 0
        while await self.run_once():
            ran += 1
        return ran

    async def run_forever(self) -> None:
        """The serving process's loop."""
        while not self._stopping:
            try:
                if await self.run_once():
                    continue
            except Exception:  # noqa: BLE001 - a database hiccup must not kill the worker
                log.exception("worker loop error")
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
            except TimeoutError:
                pass

    def stop(self) -> None:
        """Ask the loop to end after the current item."""
        self._stopping = True
        self._wake.set()
