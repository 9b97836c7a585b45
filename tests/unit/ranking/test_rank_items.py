"""`rank_items`: order, scores, why lines, actions, exclusions and determinism on a hand-built portfolio."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime

import pytest

from bot.ranking import DEFAULT_WEIGHTS, RankedItem, RankInput, Weights, rank_items

TODAY = date(2026, 3, 11)  # a Wednesday
ACME_GOLIVE = date(2026, 3, 20)  # in 9 days; Acme has 2 open blockers: at risk, multiplier 1 + 21/30 = 1.7
GLOBEX_GOLIVE = date(2026, 4, 30)  # in 50 days: outside the go-live window
LONG = (
    "Prepare the cutover runbook covering data migration, user provisioning, the SSO switch-over "
    "and the rollback plan for the finance team"
)


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour)


def item(item_id: int, account: str, kind: str, summary: str, *, last: int = 10, **fields: object) -> RankInput:
    golive = {"acme": ACME_GOLIVE, "globex": GLOBEX_GOLIVE}.get(account)
    values: dict[str, object] = dict(
        item_id=item_id, account_key=account, account_name=account.capitalize(), kind=kind, summary=summary,
        owner=None, owner_side=None, waiting_on=None, waiting_since=None, due=None, category=None,
        last_activity=at(last), golive=golive, status="open", snoozed_until=None,
    )
    values.update(fields)
    return RankInput(**values)  # type: ignore[arg-type]


PORTFOLIO = [
    # Acme: overdue next step of ours. (1 + 50 + 2×5 + 15 at risk) × 1.7 = 129.2
    item(1, "acme", "next_step", "Send SSO metadata to Acme IT", owner="Sam", owner_side="vendor",
         waiting_on="vendor", due=date(2026, 3, 9)),
    # Acme: blocker on the customer, idle since Thu 5 (4 business days). (1 + 25 + 10+4×3 + 15) × 1.7 = 107.1
    item(2, "acme", "blocker", "SSO approval", owner="Priya", owner_side="customer", waiting_on="customer",
         waiting_since=at(5), last=5, category="it_approval"),
    # Acme: blocker we can unblock. (1 + 40 + 15) × 1.7 = 95.2
    item(3, "acme", "blocker", "Sandbox API returns 500 on order import", owner="Dev team", owner_side="vendor",
         waiting_on="vendor", category="technical"),
    # Acme: a decision is never ranked.
    item(4, "acme", "decision", "Go-live moved to 20 March", owner="Priya"),
    # Globex: stalled since Tue 3 (6 business days), on the customer. 1 + 10 + 6×3 = 29
    item(5, "globex", "next_step", "Send the tax jurisdiction worksheet", owner="Lena", owner_side="customer",
         waiting_on="customer", waiting_since=at(2), last=3),
    # Globex: due tomorrow, nobody known. 1 + 15 + 2×5 = 26
    item(6, "globex", "next_step", "Schedule UAT kickoff", due=date(2026, 3, 12)),
    # Globex: blocker on a third party. 1 + 25 = 26 (ties with 6, which has a due date)
    item(7, "globex", "blocker", "Data export from legacy ERP vendor", owner="Omar", owner_side="third_party",
         waiting_on="third_party", waiting_since=at(9)),
    # Initech: overdue 5 days, on the customer, not stalled (idle since Mon 9). 1 + 25 + 5×5 = 51
    item(8, "initech", "next_step", "Confirm the go-live checklist with finance", owner="Ana",
         owner_side="customer", waiting_on="customer", due=date(2026, 3, 6), last=9),
    # Initech: ours, nothing urgent. 1
    item(9, "initech", "next_step", "Share the training plan", owner_side="vendor", waiting_on="vendor"),
    # Initech: snoozed until Friday: not ranked.
    item(10, "initech", "blocker", "Security questionnaire", waiting_on="customer", status="snoozed",
         snoozed_until=date(2026, 3, 13), last=2),
    # Initech: snooze ended today, stalled since Wed 4 (5 business days). 1 + 10 + 5×3 = 26 (id after 7)
    item(11, "initech", "next_step", LONG, owner_side="vendor", waiting_on="vendor", status="snoozed",
         snoozed_until=TODAY, last=4),
]

EXPECTED = [
    (1, 129.2, "overdue 2 days — go-live in 9 days", "do it today: Send SSO metadata to Acme IT"),
    (2, 107.1, "blocked on customer — go-live in 9 days", "chase Priya at Acme: SSO approval pending 6 days"),
    (3, 95.2, "blocker we can unblock — go-live in 9 days", "unblock: Sandbox API returns 500 on order import"),
    (8, 51.0, "overdue 5 days — waiting on customer",
     "chase Ana at Initech: Confirm the go-live checklist with finance pending 2 days"),
    (5, 29.0, "stalled 6 business days — waiting on customer",
     "chase Lena at Globex: Send the tax jurisdiction worksheet pending 9 days"),
    (6, 26.0, "due tomorrow", "find an owner at Globex: Schedule UAT kickoff"),
    (7, 26.0, "blocked on third party", "chase Omar at Globex: Data export from legacy ERP vendor pending 2 days"),
    (11, 26.0, "stalled 5 business days — waiting on us",
     "do it today: Prepare the cutover runbook covering data migration, user provisioning, the SSO…"),
    (9, 1.0, "waiting on us", "do it today: Share the training plan"),
]


def summary(ranked: list[RankedItem]) -> list[tuple[int, float, str, str]]:
    return [(r.input.item_id, r.score, r.why, r.action) for r in ranked]


def test_portfolio_order_scores_why_and_actions() -> None:
    ranked = rank_items(PORTFOLIO, today=TODAY)
    assert summary(ranked) == EXPECTED
    assert [r.rank for r in ranked] == list(range(1, len(EXPECTED) + 1))


def test_portfolio_reasons_keep_every_reason_strongest_first() -> None:
    by_id = {r.input.item_id: r for r in rank_items(PORTFOLIO, today=TODAY)}
    assert by_id[2].reasons == (
        "blocked on customer", "stalled 4 business days", "go-live in 9 days", "account at risk", "waiting on customer",
    )
    assert by_id[1].reasons == ("overdue 2 days", "go-live in 9 days", "account at risk", "waiting on us")
    assert by_id[6].reasons == ("due tomorrow",)


def test_actions_fit_in_100_characters() -> None:
    for ranked in rank_items(PORTFOLIO, today=TODAY):
        assert len(ranked.action) <= 100, ranked.action
    long_everything = item(1, "acme", "blocker", LONG * 2, owner="A" * 60, waiting_on="customer",
                           account_name="B" * 60)
    (ranked,) = rank_items([long_everything], today=TODAY)
    assert len(ranked.action) <= 100
    assert ranked.action.startswith("chase AAAA") and "…" in ranked.action


@pytest.mark.parametrize("seed", range(10))
def test_shuffled_input_gives_the_same_output(seed: int) -> None:
    shuffled = list(PORTFOLIO)
    random.Random(seed).shuffle(shuffled)
    assert rank_items(shuffled, today=TODAY) == rank_items(PORTFOLIO, today=TODAY)


def test_decisions_are_not_ranked() -> None:
    ids = [r.input.item_id for r in rank_items(PORTFOLIO, today=TODAY)]
    assert 4 not in ids
    assert rank_items([item(1, "acme", "decision", "Use SAML")], today=TODAY) == []


@pytest.mark.parametrize(
    ("status", "snoozed_until", "ranked"),
    [
        ("snoozed", date(2026, 3, 12), False),  # snoozed until tomorrow
        ("open", date(2026, 3, 12), False),  # snoozed_until decides, whatever the status says
        ("snoozed", TODAY, True),  # shows again on the day the snooze ends
        ("snoozed", date(2026, 3, 2), True),
        ("open", None, True),
        ("done", None, False),
        ("resolved", None, False),
        ("superseded", None, False),
        ("withdrawn", None, False),
    ],
)
def test_snoozed_and_closed_items(status: str, snoozed_until: date | None, ranked: bool) -> None:
    one = item(1, "initech", "next_step", "Share the plan", status=status, snoozed_until=snoozed_until)
    assert bool(rank_items([one], today=TODAY)) is ranked


def test_snoozed_blocker_still_counts_for_account_at_risk() -> None:
    snoozed = item(1, "acme", "blocker", "Security review", waiting_on="customer", snoozed_until=date(2026, 3, 13))
    other = item(2, "acme", "blocker", "Legal sign-off", waiting_on="customer")
    (ranked,) = rank_items([snoozed, other], today=TODAY)
    assert ranked.input.item_id == 2
    assert "account at risk" in ranked.reasons


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"due": TODAY, "waiting_on": "vendor"}, "due today — waiting on us"),
        ({"due": date(2026, 3, 12)}, "due tomorrow"),
        ({"due": date(2026, 3, 14)}, "due in 3 days"),
        ({"due": date(2026, 3, 15)}, "open next step"),  # 4 days: not due soon
        ({"due": date(2026, 3, 10)}, "overdue 1 day"),
        ({"waiting_on": "third_party"}, "waiting on third party"),
        ({"owner_side": "customer"}, "waiting on customer"),  # no waiting_on: the owner's side decides
        ({"waiting_on": "vendor", "owner_side": "customer"}, "waiting on us"),  # waiting_on wins
        ({"golive": TODAY}, "go-live today"),
        ({"golive": date(2026, 3, 12)}, "go-live tomorrow"),
        ({"golive": date(2026, 4, 10)}, "go-live in 30 days"),
        ({"golive": date(2026, 4, 11)}, "open next step"),  # 31 days: outside the window
        ({"golive": date(2026, 3, 10), "due": TODAY}, "due today — go-live passed 1 day ago"),
        ({"last_activity": at(5)}, "stalled 4 business days"),
    ],
)
def test_why_lines(fields: dict[str, object], why: str) -> None:
    one = replace(item(1, "initech", "next_step", "Share the plan"), **fields)
    (ranked,) = rank_items([one], today=TODAY)
    assert ranked.why == why


@pytest.mark.parametrize(
    ("fields", "action"),
    [
        ({"waiting_on": "customer", "owner": "Priya", "waiting_since": at(5)},
         "chase Priya at Initech: Share the plan pending 6 days"),
        ({"waiting_on": "customer", "owner": "Priya", "waiting_since": at(10)},
         "chase Priya at Initech: Share the plan pending 1 day"),
        ({"waiting_on": "customer", "owner": "Priya", "waiting_since": at(11)},
         "chase Priya at Initech: Share the plan pending today"),
        ({"waiting_on": "customer", "last_activity": at(4)}, "chase Initech: Share the plan pending 7 days"),
        ({"waiting_on": "vendor"}, "do it today: Share the plan"),
        ({"waiting_on": "vendor", "kind": "blocker"}, "unblock: Share the plan"),
        ({"owner": "Kim"}, "follow up with Kim at Initech: Share the plan"),
        ({}, "find an owner at Initech: Share the plan"),
        ({"waiting_on": "vendor", "summary": "  Share\nthe   plan.  "}, "do it today: Share the plan"),
    ],
)
def test_actions(fields: dict[str, object], action: str) -> None:
    one = replace(item(1, "initech", "next_step", "Share the plan"), **fields)
    (ranked,) = rank_items([one], today=TODAY)
    assert ranked.action == action


def test_overdue_ours_outranks_overdue_theirs_and_is_capped() -> None:
    ours = item(1, "initech", "next_step", "a", waiting_on="vendor", due=date(2026, 3, 10), last=11)
    theirs = item(2, "initech", "next_step", "b", waiting_on="customer", due=date(2026, 3, 10), last=11)
    capped = item(3, "initech", "next_step", "c", waiting_on="vendor", due=date(2026, 1, 1), last=11)
    at_cap = item(4, "initech", "next_step", "d", waiting_on="vendor", due=date(2026, 3, 1), last=11)
    scores = {r.input.item_id: r.score for r in rank_items([ours, theirs, capped, at_cap], today=TODAY)}
    assert (scores[1], scores[2]) == (1 + 50 + 5, 1 + 25 + 5)
    assert scores[3] == scores[4] == 1 + 50 + 10 * 5


def test_longest_stalled_first() -> None:
    items = [item(n, "initech", "next_step", f"step {n}", last=day) for n, day in ((1, 6), (2, 2), (3, 4), (4, 9))]
    ranked = rank_items(items, today=TODAY)
    assert [r.input.item_id for r in ranked] == [2, 3, 1, 4]
    assert [r.why for r in ranked] == [
        "stalled 7 business days", "stalled 5 business days", "stalled 3 business days", "open next step",
    ]


def test_stall_days_setting_moves_the_threshold() -> None:
    one = item(1, "initech", "next_step", "a", last=6)  # Fri 6 → Wed 11: 3 business days
    assert rank_items([one], today=TODAY, stall_days=3)[0].why == "stalled 3 business days"
    assert rank_items([one], today=TODAY, stall_days=4)[0].why == "open next step"


def test_go_live_near_ranks_the_same_item_higher() -> None:
    near = item(1, "acme", "next_step", "a", due=date(2026, 3, 12))
    far = item(2, "globex", "next_step", "a", due=date(2026, 3, 12))
    none = item(3, "initech", "next_step", "a", due=date(2026, 3, 12))
    ranked = rank_items([none, far, near], today=TODAY)
    assert [r.input.item_id for r in ranked] == [1, 2, 3]  # 2 before 3: equal score and due, lower id
    assert ranked[0].score == pytest.approx(26 * 1.7)


def test_ties_break_on_due_date_then_id() -> None:
    a = item(5, "initech", "blocker", "a", waiting_on="customer", due=date(2026, 3, 30))
    b = item(2, "initech", "blocker", "b", waiting_on="customer")
    c = item(9, "initech", "blocker", "c", waiting_on="customer", due=date(2026, 3, 20))
    assert [r.input.item_id for r in rank_items([b, a, c], today=TODAY)] == [9, 5, 2]


def test_weights_live_in_one_place() -> None:
    heavy_chasing = replace(DEFAULT_WEIGHTS, blocker_theirs=200)
    ranked = rank_items(PORTFOLIO, today=TODAY, weights=heavy_chasing)
    assert [r.input.item_id for r in ranked][:2] == [2, 7]
    assert Weights() == DEFAULT_WEIGHTS


def test_bad_stall_days_is_refused() -> None:
    with pytest.raises(ValueError):
        rank_items(PORTFOLIO, today=TODAY, stall_days=0)
