"""Due-date phrases resolve against the author's local date (table-driven)."""

from datetime import date, datetime

import pytest

from bot.extraction.dates import find_due, resolve_due

# Wednesday 2026-06-10, 15:00 UTC, unless stated otherwise.
WEDNESDAY = datetime.fromisoformat("2026-06-10T15:00:00+00:00")


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("by Friday", date(2026, 6, 12)),
        ("this Friday", date(2026, 6, 12)),
        ("Monday morning", date(2026, 6, 15)),
        ("EOD tomorrow", date(2026, 6, 11)),
        ("tomorrow", date(2026, 6, 11)),
        ("today", date(2026, 6, 10)),
        ("tonight", date(2026, 6, 10)),
        ("EOD", date(2026, 6, 10)),
        ("next Tuesday", date(2026, 6, 16)),
        ("end of month", date(2026, 6, 30)),
        ("by the end of the month", date(2026, 6, 30)),
        ("end of next month", date(2026, 7, 31)),
        ("end of the week", date(2026, 6, 12)),
        ("by the end of next week", date(2026, 6, 19)),
        ("in two weeks", date(2026, 6, 24)),
        ("in 3 days", date(2026, 6, 13)),
        ("within 3 business days", date(2026, 6, 15)),
        ("in five working days", date(2026, 6, 17)),
        ("by 22 June", date(2026, 6, 22)),
        ("on June 22", date(2026, 6, 22)),
        ("Jul 3", date(2026, 7, 3)),
        ("Monday 22 June", date(2026, 6, 22)),
        ("the 3rd of July", date(2026, 7, 3)),
        ("by the 20th", date(2026, 6, 20)),
        ("by the 5th", date(2026, 7, 5)),
    ],
)
def test_phrase_resolves(phrase: str, expected: date) -> None:
    assert resolve_due(phrase, WEDNESDAY, "Europe/London") == expected


@pytest.mark.parametrize(
    ("ts", "tz", "phrase", "expected"),
    [
        # 08:30 Thursday in Sydney is still Wednesday in UTC.
        ("2026-06-10T22:30:00+00:00", "Australia/Sydney", "by Friday", date(2026, 6, 12)),
        ("2026-06-10T22:30:00+00:00", "Australia/Sydney", "tomorrow", date(2026, 6, 12)),
        # 19:30 in Chicago is already the next day in UTC.
        ("2026-06-11T00:30:00+00:00", "America/Chicago", "tonight", date(2026, 6, 10)),
        ("2026-06-11T00:30:00+00:00", "America/Chicago", "by Friday", date(2026, 6, 12)),
    ],
)
def test_time_zone_traps_use_the_authors_local_date(ts: str, tz: str, phrase: str, expected: date) -> None:
    assert resolve_due(phrase, datetime.fromisoformat(ts), tz) == expected


@pytest.mark.parametrize(
    "text",
    ["We should look at this next week.", "Sometime in late June.", "Support says 3-5 business days.", "Thanks all!"],
)
def test_vague_or_absent_dates_give_none(text: str) -> None:
    assert resolve_due(text, WEDNESDAY, "Europe/London") is None


def test_find_due_returns_the_phrase_inside_a_sentence() -> None:
    match = find_due("I'll send the revised mapping by Friday afternoon.", WEDNESDAY, "Europe/London")
    assert match is not None
    assert match.due == date(2026, 6, 12)
    assert "Friday" in match.phrase


def test_unknown_time_zone_falls_back_to_the_records_offset() -> None:
    assert resolve_due("tomorrow", WEDNESDAY, "Mars/Olympus") == date(2026, 6, 11)


def test_a_month_day_long_past_means_next_year() -> None:
    from datetime import UTC, datetime

    from bot.extraction import resolve_due

    written = datetime(2026, 11, 5, 9, tzinfo=UTC)
    assert resolve_due("the card changes on 1 Jan", written, "Europe/Berlin") == date(2027, 1, 1)
    assert resolve_due("it was due on 2 Nov", written, "Europe/Berlin") == date(2026, 11, 2)
