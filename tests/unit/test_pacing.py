"""The per-method pacer: even spacing at the tier's rate, queued callers, hold-off after a 429."""

from __future__ import annotations

import asyncio

from pytest import approx

from handlers.pacing import SAFETY_MARGIN, MethodPacer


class FakeClock:
    """Monotonic seconds that move only when the pacer sleeps (asyncio.sleep is patched to advance it)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _pacer(clock: FakeClock, monkeypatch) -> tuple[MethodPacer, list[float]]:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.now += seconds

    monkeypatch.setattr(asyncio, "sleep", sleep)
    return MethodPacer({"conversations.history": 50}, clock=clock), slept


async def test_calls_are_spaced_at_the_tier_interval(monkeypatch) -> None:
    clock = FakeClock()
    pacer, slept = _pacer(clock, monkeypatch)
    interval = 60 / 50 * (1 + SAFETY_MARGIN)
    for _ in range(4):
        await pacer.acquire("conversations.history")
    assert slept == approx([interval] * 3)  # the first call goes at once
    assert pacer.delay("conversations.history") == approx(interval)


async def test_concurrent_callers_queue_up_instead_of_bursting(monkeypatch) -> None:
    clock = FakeClock()
    pacer, _ = _pacer(clock, monkeypatch)
    start = clock.now

    async def call() -> float:
        await pacer.acquire("conversations.history")
        return clock.now - start

    went = await asyncio.gather(*(call() for _ in range(3)))
    interval = 60 / 50 * (1 + SAFETY_MARGIN)
    assert sorted(went) == approx([0, interval, 2 * interval])


async def test_unpaced_methods_pass_and_hold_off_pushes_the_next_slot(monkeypatch) -> None:
    clock = FakeClock()
    pacer, slept = _pacer(clock, monkeypatch)
    await pacer.acquire("chat.postMessage")
    assert slept == [] and pacer.delay("chat.postMessage") == 0
    pacer.hold_off("conversations.history", 7)
    assert pacer.delay("conversations.history") == 7
    await pacer.acquire("conversations.history")
    assert slept == [7]
