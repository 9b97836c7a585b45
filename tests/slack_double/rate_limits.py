"""Slack's per-method rate-limit tiers for the double: off until ``SlackDouble.enforce_rate_limits``.

Each method has its own budget of calls per window (Slack: per minute, per app and workspace); a call
over it is answered HTTP 429 ``ratelimited`` with ``Retry-After`` (whole seconds until a slot frees).
Refused calls do not count.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque
from collections.abc import Callable, Mapping

#: the tier of each implemented method that has one, as Slack's method pages list them
SLACK_TIERS: dict[str, int] = {
    "conversations.history": 3,
    "conversations.replies": 3,
    "conversations.info": 3,
    "conversations.open": 3,
    "conversations.members": 4,
    "users.info": 4,
    "users.lookupByEmail": 3,
    "chat.update": 3,
    "chat.postEphemeral": 4,
    "reactions.add": 3,
    "views.open": 4,
    "views.publish": 4,
    "files.info": 4,
}
#: calls per minute of each tier
SLACK_TIER_LIMITS: dict[int, int] = {1: 1, 2: 20, 3: 50, 4: 100}


class TierLimits:
    """A sliding window of accepted calls per method."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.window = 60.0
        self.limits: dict[int, int] = {}
        self._accepted: dict[str, deque[float]] = defaultdict(deque)

    def enforce(self, *, window: float, limits: Mapping[int, int]) -> None:
        """Limit each tier in ``limits`` to that many calls per ``window`` seconds (an empty mapping: off)."""
        self.window = window
        self.limits = dict(limits)
        self._accepted.clear()

    def check(self, method: str) -> int | None:
        """Seconds to wait when ``method`` is over its budget now; otherwise None, and the call is counted."""
        limit = self.limits.get(SLACK_TIERS.get(method, 0))
        if limit is None:
            return None
        now = self.clock()
        accepted = self._accepted[method]
        while accepted and accepted[0] <= now - self.window:
            accepted.popleft()
        if len(accepted) >= limit:
            return max(1, math.ceil(accepted[0] + self.window - now))
        accepted.append(now)
        return None
