"""Backfill history slices: they tile the window exactly, shrink towards the present, and drive what may be filed."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.backfill import HISTORY, REPLIES, BackfillState
from handlers.history_slices import (
    MAX_SLICES,
    SLICE_RATIO,
    micros_to_ts,
    plan_slices,
    slice_count,
    ts_to_micros,
)


def test_ts_round_trips_exactly_in_microseconds() -> None:
    assert ts_to_micros("1700000000.000001") == 1_700_000_000_000_001
    assert micros_to_ts(1_700_000_000_123_456) == "1700000000.123456"
    assert micros_to_ts(ts_to_micros("1799999999.999999") + 1) == "1800000000.000000"


@given(low=st.integers(1_600_000_000_000_000, 1_700_000_000_000_000), span=st.integers(0, 10**14),
       count=st.integers(1, MAX_SLICES))
def test_slices_tile_the_window_without_gap_or_overlap(low: int, span: int, count: int) -> None:
    oldest, latest = micros_to_ts(low), micros_to_ts(low + span)
    slices = plan_slices(oldest, latest, count=count)
    assert slices[0][0] == oldest and slices[-1][1] == latest
    assert len(slices) == (count if span >= count * 1_000_000 else 1)
    for (_, end), (start, _) in zip(slices, slices[1:], strict=False):
        assert ts_to_micros(start) == ts_to_micros(end) + 1
    assert all(ts_to_micros(a) <= ts_to_micros(b) for a, b in slices)


def test_slices_shrink_towards_the_present() -> None:
    slices = plan_slices("1700000000.000000", "1707776000.000000", count=slice_count(50))
    spans = [ts_to_micros(b) - ts_to_micros(a) for a, b in slices]
    assert len(spans) == MAX_SLICES
    for before, after in zip(spans, spans[1:], strict=False):
        assert after == pytest.approx(before * SLICE_RATIO, rel=1e-6)
    assert spans[-1] / sum(spans) < 0.1  # what is filed after the last page is a small part


@pytest.mark.parametrize(("pages", "count"), [(0, 1), (3.9, 1), (8, 2), (12.5, 3), (49, MAX_SLICES), (1e6, MAX_SLICES)])
def test_a_short_history_is_not_cut_into_many_slices(pages: float, count: int) -> None:
    assert slice_count(pages) == count


def _state(**fields: object) -> BackfillState:
    return BackfillState(channel="C1", oldest="1700000000.000000", days=90, progress_ts="1.0", progress_text="",
                         **fields)  # type: ignore[arg-type]


def _page(first: int, count: int, *, every: int = 60) -> list[dict[str, object]]:
    """`count` messages newest first, from second `first + (count - 1) * every` down to `first`."""
    return [{"ts": f"{1700000000 + first + n * every}.000000"} for n in reversed(range(count))]


def test_a_long_history_is_sliced_below_its_newest_page() -> None:
    state = _state()
    newest = _page(6_000_000, 200)
    state.advance(HISTORY, newest, "next", stored=200)
    assert state.sliced and not state.history_done and state.cursor == ""
    assert state.slices[0][0] == "1700000000.000001"  # the first call's oldest is exclusive
    assert state.slices[-1][1] == micros_to_ts(ts_to_micros(newest[-1]["ts"]) - 1)  # type: ignore[arg-type]
    assert len(state.slices) == MAX_SLICES  # 6,000,000 s at 200 per 11,940 s: about 500 pages below
    assert state.settled_through() == -math.inf  # nothing may be filed before the oldest slice is read


def test_settled_bound_follows_the_slices_read_and_the_threads_still_open() -> None:
    state = _state()
    state.advance(HISTORY, _page(6_000_000, 200), "next", stored=200)
    first_end = state.slices[0][1]
    state.advance(HISTORY, _page(100, 50), "more", stored=50)  # a page of the first slice, more to come
    assert state.settled_through() == -math.inf
    root = {"ts": "1700000200.000000", "thread_ts": "1700000200.000000", "reply_count": 3}
    state.advance(HISTORY, [root], "", stored=1)  # the first slice's last page, with a thread root
    assert state.read_through == first_end
    assert state.settled_through() == 1700000200.0  # its replies may fall anywhere later
    state.advance(REPLIES, [], "", stored=3)
    assert state.settled_through() == float(first_end)


def test_a_history_of_one_page_is_not_sliced() -> None:
    state = _state()
    state.advance(HISTORY, _page(100, 20), "", stored=20)
    assert state.history_done and not state.sliced and state.settled_through() == math.inf


def test_a_backfill_begun_before_slicing_goes_on_page_after_page() -> None:
    stored = {"channel": "C1", "oldest": "1700000000.000000", "days": 90, "progress_ts": "1.0", "progress_text": "",
              "step": 4, "cursor": "page-3", "history_done": False, "threads": [], "thread_cursor": "", "count": 600,
              "pages": 3, "touched": "2026-11-27T10:00:00+00:00"}  # the stored form before slices existed
    state = BackfillState.from_json(json.dumps(stored))
    state.advance(HISTORY, _page(100, 200), "page-4", stored=200)
    assert not state.sliced and state.cursor == "page-4"
    state.advance(HISTORY, _page(50, 10), "", stored=10)
    assert state.history_done and state.settled_through() == math.inf



def test_a_stored_state_with_keys_of_another_version_still_loads() -> None:
    state = _state()
    state.advance(HISTORY, _page(6_000_000, 200), "next", stored=200)
    stored = json.loads(state.to_json()) | {"sliced": True, "a_later_field": 1}
    again = BackfillState.from_json(json.dumps(stored))
    assert again.slices == state.slices and again.sliced
