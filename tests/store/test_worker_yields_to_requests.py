"""The worker starts no queued work while a request is being served, and goes on once it is answered."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlmodel import Session

from bot.container import Container
from bot.foreground import Foreground
from bot.store.queue import enqueue
from bot.worker import Worker


async def test_queued_work_waits_for_the_request_in_flight(container: Container) -> None:
    with Session(container.engine) as session:
        enqueue(session, kind="test.work", payload={"n": 1})
        session.commit()
    done: list[str] = []

    async def handler(payload: dict[str, Any]) -> None:
        done.append(f"work {payload['n']}")

    foreground = Foreground(lull_s=0.02, max_wait_s=30.0)
    worker = Worker(container.queue, {"test.work": handler}, foreground=foreground)
    with foreground.serving():
        running = asyncio.create_task(worker.run_once())
        await asyncio.sleep(0.3)
        assert done == [] and container.queue.counts(("test.work",)) == {"queued": 1}  # not even claimed
        done.append("request answered")
    assert await asyncio.wait_for(running, timeout=5.0) is True
    assert done == ["request answered", "work 1"]
    assert container.queue.counts(("test.work",)) == {"done": 1}
