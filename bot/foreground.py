"""Requests first: background work waits for a lull in the requests being served, for a bounded time.

On a small machine the worker's extraction and embedding share the cores (and the GIL) with the acks.
Slack wants an ack within 3 seconds and retries without one; queued work only has to be done soon. So
before the worker starts an item it waits until no request has been in flight for `lull_s`, but never
longer than `max_wait_s`; a wait that ran out lets background work run freely for as long again. Under
sustained load the work keeps at least half the time; in a burst, acks wait only for work started before it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager

LULL_S = 0.02  # a gap this long between requests counts as a lull
MAX_WAIT_S = 0.5  # background work waits at most this long per item


class Foreground:
    """Counts the requests being served; `lull()` returns when there has been none for a moment.

    However many wait, one watcher follows the requests and releases them all at the lull, so that a
    backlog of waiting tasks costs the event loop nothing per request.
    """

    def __init__(self, *, lull_s: float = LULL_S, max_wait_s: float = MAX_WAIT_S) -> None:
        self.lull_s = lull_s
        self.max_wait_s = max_wait_s
        self._in_flight = 0
        self._last_end = float("-inf")
        self._free_until = float("-inf")
        self._lull: asyncio.Future[None] | None = None
        self._watcher: asyncio.Task[None] | None = None

    @contextmanager
    def serving(self) -> Iterator[None]:
        """Mark one request as in flight for the duration of the block (on the event loop's thread)."""
        self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1
            self._last_end = time.monotonic()

    @property
    def in_flight(self) -> bool:
        """Whether a request is being served right now (safe to read from any thread)."""
        return bool(self._in_flight)

    @property
    def busy(self) -> bool:
        """Whether a request is in flight or ended less than `lull_s` ago."""
        return bool(self._in_flight) or time.monotonic() - self._last_end < self.lull_s

    async def lull(self) -> None:
        """Return once no request has been served for `lull_s`, or after `max_wait_s` in any case; after a
        wait that ran out, return at once for the next `max_wait_s`."""
        if not self.busy or time.monotonic() < self._free_until:
            return
        loop = asyncio.get_running_loop()
        if self._lull is None or self._lull.done() or self._lull.get_loop() is not loop:
            self._lull = loop.create_future()
            self._watcher = asyncio.create_task(self._watch(self._lull))
        done, _ = await asyncio.wait([self._lull], timeout=self.max_wait_s)
        if not done:
            self._free_until = max(self._free_until, time.monotonic() + self.max_wait_s)

    async def _watch(self, lull: asyncio.Future[None]) -> None:
        """Resolve `lull` once no request has been in flight for `lull_s`."""
        while self.busy:
            since_last = time.monotonic() - self._last_end
            await asyncio.sleep(self.lull_s if self._in_flight else self.lull_s - since_last)
        if not lull.done():
            lull.set_result(None)
