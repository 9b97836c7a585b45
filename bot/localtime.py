"""Local calendar time of a person, from an IANA zone name (UTC when unknown)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(tz: str | None) -> ZoneInfo:
    """The zone, or UTC when the name is missing or unknown."""
    try:
        return ZoneInfo(tz) if tz else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_now(now: datetime, tz: str | None) -> datetime:
    """`now` in the person's zone."""
    return (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(zone(tz))


def local_date(now: datetime, tz: str | None) -> date:
    """Today's date where the person is."""
    return local_now(now, tz).date()
