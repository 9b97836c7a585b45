"""Requests first: background work waits for a lull in the requests, for a bounded time only."""

from __future__ import annotations

import asyncio
import time

from bot.foreground import Foreground


async def _serve_for(foreground: Foreground, seconds: float, log: list[str]) -> None:
    with foreground.serving():
        await asyncio.sleep(seconds)
    log.append("request ended")


async def test_with_no_request_in_flight_background_work_goes_at_once() -> None:
    foreground = Foreground(lull_s=5.0, max_wait_s=5.0)
    started = time.monotonic()
    await foreground.lull()
    assert time.monotonic() - started < 1.0 and not foreground.busy


async def test_work_waits_until_the_request_in_flight_ended_and_a_lull_followed() -> None:
    foreground = Foreground(lull_s=0.05, max_wait_s=5.0)
    log: list[str] = []
    request = asyncio.create_task(_serve_for(foreground, 0.2, log))
    await asyncio.sleep(0.01)
    assert foreground.busy
    await foreground.lull()
    log.append("work started")
    await request
    assert log == ["request ended", "work started"]
    assert not foreground.busy


async def test_under_sustained_requests_work_waits_at_most_max_wait_then_runs_freely_as_long() -> None:
    foreground = Foreground(lull_s=0.05, max_wait_s=0.2)
    log: list[str] = []
    requests = asyncio.create_task(_serve_for(foreground, 3.0, log))
    await asyncio.sleep(0.01)
    started = time.monotonic()
    await foreground.lull()
    waited = time.monotonic() - started
    assert 0.15 <= waited < 2.5 and log == []  # the request is still in flight, yet the work went
    started = time.monotonic()
    await foreground.lull()  # within the free window that follows: no wait
    assert time.monotonic() - started < 0.15 and log == []
    requests.cancel()


async def test_many_waiters_are_released_together_by_one_watcher() -> None:
    foreground = Foreground(lull_s=0.02, max_wait_s=10.0)
    log: list[str] = []
    request = asyncio.create_task(_serve_for(foreground, 0.2, log))
    await asyncio.sleep(0.01)
    waiters = [asyncio.create_task(foreground.lull()) for _ in range(300)]
    await asyncio.sleep(0.05)
    watchers = [t for t in asyncio.all_tasks() if t.get_coro().__qualname__ == "Foreground._watch"]  # type: ignore[union-attr]
    assert len(watchers) == 1
    await asyncio.wait_for(asyncio.gather(*waiters), timeout=5.0)
    await request
    assert log == ["request ended"]


def test_a_foreground_serves_one_event_loop_after_another() -> None:
    foreground = Foreground(lull_s=0.02, max_wait_s=3.0)

    async def loop_ending_mid_wait() -> None:  # a test's or a CLI pass's loop ends while work waits
        with foreground.serving():
            waiting = asyncio.create_task(foreground.lull())
            await asyncio.sleep(0.01)
            waiting.cancel()

    async def next_loop() -> None:
        with foreground.serving():
            waiting = asyncio.create_task(foreground.lull())
            await asyncio.sleep(0.01)
        await asyncio.wait_for(waiting, timeout=1.5)  # released at the lull, not at max_wait

    asyncio.run(loop_ending_mid_wait())
    asyncio.run(next_loop())  # the first loop's pending lull is not awaited here
