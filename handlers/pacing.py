"""Pacing of rate-limited Web API calls: one pacer per process spaces the calls of each key (a method, a
channel) to its interval, so concurrent callers queue up instead of bursting."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping

SAFETY_MARGIN = 0.02  # spacing a little over the tier's interval keeps clock jitter from tripping the limit


class Pacer:
    """Spaces the calls of each paced key evenly at its interval; keys without one pass at once.

    Calls reserve slots in order, so concurrent callers of one key queue up instead of bursting; after a
    429 `hold_off` pushes the key's next slot past the `Retry-After`.
    """

    def __init__(self, interval_of: Callable[[str], float | None], *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.interval_of = interval_of
        self.clock = clock
        self._next_slot: dict[str, float] = {}

    def delay(self, key: str) -> float:
        """Seconds until `key`'s next free slot (0 when it may be called now)."""
        return max(0.0, self._next_slot.get(key, 0.0) - self.clock())

    async def acquire(self, key: str) -> None:
        """Take `key`'s next slot, sleeping (without blocking the loop) until it comes."""
        interval = self.interval_of(key)
        if interval is None:
            return
        now = self.clock()
        slot = max(now, self._next_slot.get(key, now))
        self._next_slot[key] = slot + interval
        if slot > now:
            await asyncio.sleep(slot - now)

    def hold_off(self, key: str, seconds: float) -> None:
        """No call of `key` before `seconds` from now (after a 429 with this `Retry-After`, or a slow call)."""
        self._next_slot[key] = max(self._next_slot.get(key, 0.0), self.clock() + seconds)


class MethodPacer(Pacer):
    """Paces Web API methods at their tier's calls per minute; other methods pass at once."""

    def __init__(self, calls_per_minute: Mapping[str, float], *, clock: Callable[[], float] = time.monotonic) -> None:
        self.intervals = {method: 60.0 / rate * (1 + SAFETY_MARGIN) for method, rate in calls_per_minute.items()}
        super().__init__(self.intervals.get, clock=clock)


class ChannelPacer(Pacer):
    """Paces posts per channel (Slack: about one message per second per channel)."""

    def __init__(self, per_second: float = 1.0, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / per_second * (1 + SAFETY_MARGIN)
        super().__init__(lambda _channel: self.interval, clock=clock)

    def posted(self, channel: str) -> None:
        """A post to `channel` was answered: its next one waits a whole interval from now, so the spacing
        holds at Slack's end however long the call took."""
        self.hold_off(channel, self.interval)
