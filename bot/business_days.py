"""Business-day arithmetic: Monday to Friday, no holidays. Pure functions on local calendar dates.

The caller converts times to the IM's local date first; nothing here knows about time zones.
"""

from __future__ import annotations

from datetime import date, timedelta

__all__ = ["add_business_days", "business_days_between", "is_business_day", "is_stalled"]


def is_business_day(day: date) -> bool:
    """True from Monday to Friday."""
    return day.weekday() < 5


def business_days_between(start: date, end: date) -> int:
    """How many business days lie after `start` up to and including `end`; negative when `end` < `start`.

    Friday → Monday is 1, Wednesday → next Monday is 3, Saturday → Monday is 1, a date to itself is 0.
    """
    if end < start:
        return -business_days_between(end, start)
    full_weeks, rest = divmod((end - start).days, 7)
    tail_start = start + timedelta(days=full_weeks * 7)
    tail = sum(1 for offset in range(1, rest + 1) if is_business_day(tail_start + timedelta(days=offset)))
    return full_weeks * 5 + tail


def add_business_days(start: date, n: int) -> date:
    """The `n`-th business day after `start` (before it when `n` < 0); `start` itself when `n` is 0.

    For `n` >= 0, `business_days_between(start, add_business_days(start, n)) == n`.
    """
    step = timedelta(days=1 if n >= 0 else -1)
    remaining = abs(n)
    current = start
    while remaining:
        current += step
        if is_business_day(current):
            remaining -= 1
    return current


def is_stalled(last_activity_local_date: date, today: date, stall_days: int) -> bool:
    """True when `stall_days` business days or more have passed since the last activity.

    Activity on Wednesday with `stall_days=3` is stalled on the next Monday (Thursday, Friday, Monday).
    """
    if stall_days < 1:
        raise ValueError(f"stall_days must be at least 1, got {stall_days}")
    return business_days_between(last_activity_local_date, today) >= stall_days
