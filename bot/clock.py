"""Time: an injectable clock. Every stored time is an aware UTC datetime."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


def utcnow() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(UTC)


class Clock(Protocol):
    """Something that tells the time; jobs and services take one so tests need not sleep."""

    def now(self) -> datetime:
        """The current aware UTC time."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """The current aware UTC time."""
        return utcnow()


class FixedClock:
    """A clock that stands still until moved; for tests and `--now`."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def now(self) -> datetime:
        """The set time."""
        return self.moment
