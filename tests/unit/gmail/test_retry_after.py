"""Retry-After: delta seconds or an HTTP date, anything else ignored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from bot.gmail_client import parse_retry_after


@pytest.mark.parametrize(("header", "seconds"), [
    (None, None), ("", None), ("1", 1.0), ("2.5", 2.5), ("-3", 0.0), ("soon", None),
    (format_datetime(datetime(2000, 1, 1, tzinfo=UTC), usegmt=True), 0.0),
])
def test_retry_after_values(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds


def test_retry_after_as_a_future_http_date() -> None:
    header = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    waited = parse_retry_after(header)
    assert waited is not None and 28 <= waited <= 30
