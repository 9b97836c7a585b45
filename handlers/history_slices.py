"""Time slices of a channel's history, read oldest slice first, so a backfill files one slice while it reads the next.

Slack returns a channel's history newest first and a backfill must file it oldest first (a blocker before the
message that resolves it). Read as one run of pages, nothing can be filed until the last (oldest) page is in,
and all the filing waits behind all the reading. Cut into slices read oldest slice first, each slice can be
filed while the next is read, and only the last slice's filing follows the last page.

Every slice costs at most one partly filled page, so slices are few, and they shrink geometrically towards
the present. Filing a message costs 0.6-0.9 of the paced time to read it on the machines measured (a
200-message page every 1.2 s at Tier 3 against 3.5-5.5 ms to file one): each slice holds 0.8 of the one
before, so the first is small enough for filing to start early and keep up, and the last one, filed after
the last page, is small. Where filing is slower than reading (an account with thousands of open items),
the backfill ends when its filing does, and slicing saves what was filed while the pages were read.
"""

from __future__ import annotations

from decimal import Decimal

MAX_SLICES = 6
SLICE_RATIO = 0.8  # each slice's share of the span against the slice before it
MIN_SLICE_PAGES = 4  # fewer expected pages per slice than this: fewer slices (a partial page per slice is the cost)


def ts_to_micros(ts: str) -> int:
    """A Slack ts ("1700000000.123456") in whole microseconds, exactly."""
    return int(Decimal(ts) * 1_000_000)


def micros_to_ts(micros: int) -> str:
    """Whole microseconds as a Slack ts with six decimals."""
    seconds, fraction = divmod(micros, 1_000_000)
    return f"{seconds}.{fraction:06d}"


def slice_count(expected_pages: float) -> int:
    """How many slices a span of about `expected_pages` pages is cut into (1 to MAX_SLICES)."""
    return max(1, min(MAX_SLICES, int(expected_pages // MIN_SLICE_PAGES)))


def plan_slices(oldest: str, latest: str, *, count: int) -> list[tuple[str, str]]:
    """`count` inclusive (oldest, latest) ts bounds that tile [oldest, latest] without gap or overlap, oldest
    first, each spanning SLICE_RATIO of the one before."""
    low, high = ts_to_micros(oldest), ts_to_micros(latest)
    if count <= 1 or high - low < count * 1_000_000:  # under a second a slice: not worth cutting
        return [(oldest, latest)]
    weights = [SLICE_RATIO ** n for n in range(count)]
    total = sum(weights)
    bounds: list[tuple[str, str]] = []
    start, covered = low, 0.0
    for weight in weights[:-1]:
        covered += weight / total
        end = max(start, low + int((high - low) * covered))
        bounds.append((micros_to_ts(start), micros_to_ts(end)))
        start = end + 1
    bounds.append((micros_to_ts(start), micros_to_ts(high)))
    return bounds
