"""Seeded random 5xx answers from the Slack double, through its `fail_next` switch."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from tests.slack_double import SlackDouble


def inject_server_errors(slack: SlackDouble, *, methods: Sequence[str], rate: float, seed: int,
                         statuses: Sequence[int] = (500, 502, 503)) -> list[tuple[str, int]]:
    """Answer each call to `methods` with a random 5xx at `rate`; returns the (method, status) injected so far.

    Each method has its own generator seeded from `seed`, so the n-th call of a method always meets the
    same fate, however calls of different methods interleave.
    """
    generators = {method: random.Random(f"{seed}:{method}") for method in methods}
    injected: list[tuple[str, int]] = []
    dispatch = slack._dispatch

    def dispatch_with_faults(method: str, raw: dict[str, Any], token: str | None) -> dict[str, Any]:
        rng = generators.get(method)
        if rng is not None and rng.random() < rate:
            status = rng.choice(list(statuses))
            slack.fail_next(method, error="internal_error", status=status)
            injected.append((method, status))
        return dispatch(method, raw, token)

    slack._dispatch = dispatch_with_faults  # type: ignore[method-assign]
    return injected
