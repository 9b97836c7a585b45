"""Business-day arithmetic (Monday to Friday) and the stalled threshold."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.business_days import add_business_days, business_days_between, is_business_day, is_stalled

# March 2026: Mon 2, Fri 6, Sat 7, Sun 8, Mon 9, Wed 11, Fri 13, Mon 16.
MON, WED, FRI, SAT, SUN = date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 6), date(2026, 3, 7), date(2026, 3, 8)
NEXT_MON, NEXT_TUE, NEXT_WED = date(2026, 3, 9), date(2026, 3, 10), date(2026, 3, 11)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (MON, MON, 0),
        (MON, date(2026, 3, 3), 1),
        (FRI, SAT, 0),
        (FRI, SUN, 0),
        (FRI, NEXT_MON, 1),
        (WED, NEXT_MON, 3),
        (SAT, SUN, 0),
        (SAT, NEXT_MON, 1),
        (SUN, NEXT_MON, 1),
        (MON, NEXT_MON, 5),
        (MON, MON + timedelta(days=14), 10),
        (FRI, date(2026, 3, 20), 10),
        (NEXT_MON, FRI, -1),
        (NEXT_MON, MON, -5),
        (date(2025, 12, 31), date(2026, 1, 2), 2),
    ],
)
def test_business_days_between(start: date, end: date, expected: int) -> None:
    assert business_days_between(start, end) == expected


def test_business_days_between_matches_counting_day_by_day() -> None:
    def slow(start: date, end: date) -> int:
        return sum(1 for n in range(1, (end - start).days + 1) if (start + timedelta(days=n)).weekday() < 5)

    for first in range(7):
        start = MON + timedelta(days=first)
        for length in range(40):
            end = start + timedelta(days=length)
            assert business_days_between(start, end) == slow(start, end), (start, end)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (WED, 0, WED),
        (SAT, 0, SAT),
        (FRI, 1, NEXT_MON),
        (date(2026, 3, 5), 2, NEXT_MON),  # Thursday + 2: the default snooze lands on Monday
        (SAT, 1, NEXT_MON),
        (SUN, 1, NEXT_MON),
        (FRI, 5, date(2026, 3, 13)),
        (WED, 3, NEXT_MON),
        (NEXT_MON, -1, FRI),
        (SAT, -1, FRI),
        (NEXT_WED, -5, WED),
    ],
)
def test_add_business_days(start: date, n: int, expected: date) -> None:
    assert add_business_days(start, n) == expected


def test_add_then_count_round_trips() -> None:
    for first in range(7):
        start = MON + timedelta(days=first)
        for n in range(25):
            landed = add_business_days(start, n)
            assert business_days_between(start, landed) == n
            assert n == 0 or is_business_day(landed)


@pytest.mark.parametrize(
    ("last_activity", "today", "stall_days", "stalled"),
    [
        (WED, FRI, 3, False),  # Thu, Fri: 2
        (WED, SAT, 3, False),
        (WED, SUN, 3, False),
        (WED, NEXT_MON, 3, True),  # Thu, Fri, Mon: 3
        (FRI, NEXT_TUE, 3, False),
        (FRI, NEXT_WED, 3, True),
        (SAT, NEXT_TUE, 3, False),
        (SAT, NEXT_WED, 3, True),  # weekend activity counts from Monday
        (MON, MON, 1, False),
        (MON, date(2026, 3, 3), 1, True),
        (FRI, NEXT_MON, 1, True),
        (MON, NEXT_MON, 5, True),
        (MON, FRI, 5, False),
        (NEXT_MON, FRI, 3, False),  # activity "in the future" is never stalled
    ],
)
def test_is_stalled(last_activity: date, today: date, stall_days: int, stalled: bool) -> None:
    assert is_stalled(last_activity, today, stall_days) is stalled


def test_is_stalled_rejects_non_positive_threshold() -> None:
    with pytest.raises(ValueError):
        is_stalled(MON, FRI, 0)
