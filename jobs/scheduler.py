"""APScheduler set-up: one tick job that runs every pass; correctness comes from claim rows, not the scheduler.

Every replica may run the scheduler (its job store is per process): each digest and nudge is claimed in the
database before it is sent, so a tick that runs twice, or on two replicas, sends nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

TICK_JOB_ID = "tandem-tick"
TICK_MINUTES = 2
# A tick missed while the process was busy or restarting still runs when it can (within 10 minutes),
# and several missed ticks run once: digests and nudges look at "now", not at the missed time.
MISFIRE_GRACE_SECONDS = 600

Pass = Callable[[], Awaitable[object]]


async def run_passes(passes: Sequence[tuple[str, Pass]]) -> None:
    """Run each pass; one failing does not stop the others."""
    for name, run in passes:
        try:
            await run()
        except Exception:  # noqa: BLE001 - logged; the next tick tries again
            log.exception("scheduled pass %s failed", name)


def build_scheduler(passes: Sequence[tuple[str, Pass]], *, minutes: int = TICK_MINUTES,
                    polls: Sequence[tuple[str, Pass, float]] = ()) -> AsyncIOScheduler:
    """A scheduler (not started) with the tick job, and one interval job per poll (name, pass, seconds)."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(
        run_passes,
        "interval",
        args=[list(passes)],
        minutes=minutes,
        id=TICK_JOB_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=MISFIRE_GRACE_SECONDS,
    )
    for name, run, seconds in polls:
        scheduler.add_job(run_passes, "interval", args=[[(name, run)]], seconds=seconds, id=f"tandem-poll-{name}",
                          replace_existing=True, coalesce=True, max_instances=1,
                          misfire_grace_time=MISFIRE_GRACE_SECONDS)
    return scheduler
