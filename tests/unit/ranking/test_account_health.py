"""`account_health`: blocked, at risk or on track, by the documented rule."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.ranking import RankInput, Weights, account_health

TODAY = date(2026, 3, 11)  # a Wednesday


def item(kind: str, *, last: int = 10, due: date | None = None, snoozed_until: date | None = None,
         status: str = "open", item_id: int = 1) -> RankInput:
    return RankInput(
        item_id=item_id, account_key="acme", account_name="Acme", kind=kind, summary=kind, owner=None,
        owner_side=None, waiting_on="customer", waiting_since=None, due=due, category=None,
        last_activity=datetime(2026, 3, last, 9), golive=None, status=status, snoozed_until=snoozed_until,
    )


BLOCKER = item("blocker")
STEP = item("next_step", item_id=2)
BLOCKER_2 = item("blocker", item_id=3)


@pytest.mark.parametrize(
    ("items", "golive", "health"),
    [
        ([], None, "on_track"),
        ([STEP], date(2026, 3, 13), "on_track"),
        ([BLOCKER], date(2026, 3, 13), "on_track"),  # one fresh blocker is not "several"
        ([BLOCKER, BLOCKER_2], date(2026, 3, 25), "at_risk"),  # 2 blockers, go-live in 14 days
        ([BLOCKER, BLOCKER_2], date(2026, 3, 26), "on_track"),  # go-live in 15 days
        ([BLOCKER, BLOCKER_2], None, "on_track"),
        ([BLOCKER, item("blocker", item_id=3, snoozed_until=date(2026, 3, 20))], date(2026, 3, 20), "at_risk"),
        ([BLOCKER, item("blocker", item_id=3, status="resolved")], date(2026, 3, 20), "on_track"),
        ([BLOCKER, item("decision", item_id=3)], date(2026, 3, 20), "on_track"),  # decisions never count
        ([item("next_step", due=date(2026, 3, 10))], None, "at_risk"),  # overdue
        ([item("next_step", due=TODAY)], None, "on_track"),
        ([item("next_step", last=6)], None, "at_risk"),  # stalled: Fri 6 → Wed 11 is 3 business days
        ([item("next_step", last=9)], None, "on_track"),
        ([item("next_step", last=2, snoozed_until=date(2026, 3, 12))], None, "on_track"),  # snoozed: not stalled
        ([item("blocker", last=6)], None, "at_risk"),  # stalled blocker, 3 business days
        ([item("blocker", last=4)], None, "blocked"),  # Wed 4 → Wed 11: 5 business days without activity
        ([item("blocker", last=4, snoozed_until=date(2026, 3, 12))], None, "on_track"),
        ([BLOCKER], date(2026, 3, 10), "blocked"),  # go-live passed with a blocker open
        ([STEP], date(2026, 3, 10), "on_track"),
        ([item("next_step", last=2), BLOCKER], date(2026, 3, 10), "blocked"),  # blocked beats at risk
    ],
)
def test_account_health(items: list[RankInput], golive: date | None, health: str) -> None:
    assert account_health(items, golive, TODAY) == health


def test_health_thresholds_come_from_weights_and_stall_days() -> None:
    idle_blocker = [item("blocker", last=6)]  # 3 business days
    assert account_health(idle_blocker, None, TODAY) == "at_risk"
    assert account_health(idle_blocker, None, TODAY, stall_days=4) == "on_track"
    stricter = Weights(blocked_days=3)
    assert account_health(idle_blocker, None, TODAY, weights=stricter) == "blocked"
