"""Items that move: restatement adds evidence, resolution closes, a later decision supersedes."""

from datetime import date

import pytest

from bot.extraction.merge import AddEvidence, Create, OpenItem, Resolve, Supersede, plan_merge, subject_of
from bot.records import ExtractedItem

SSO_GATE = OpenItem(
    id="b1", kind="blocker", summary="SAML app for SSO waits on the security board approval (SEC-771)",
    owner="Priya Anand", waiting_on="customer", category="it_approval", source_ids=("r-2",),
    evidence=("SSO is on hold until the security board approves the SAML app (SEC-771).",), threads=("r-2",),
)
EXPORT_STEP = OpenItem(
    id="n1", kind="next_step", summary="Send the product catalogue export", owner="Kelly Brandt",
    waiting_on="customer", due=date(2026, 6, 12), source_ids=("r-3",),
    evidence=("Kelly, could you send the product catalogue export by Friday?",), threads=("r-3",),
)
GO_LIVE = OpenItem(
    id="d1", kind="decision", summary="Go-live is Monday 6 July", owner="Priya Anand", source_ids=("r-1",),
    evidence=("Go-live is Monday 6 July.",), threads=("r-1",), subject="go_live",
)
OPEN = [SSO_GATE, EXPORT_STEP, GO_LIVE]


def item(kind: str, span: str, **fields: object) -> ExtractedItem:
    return ExtractedItem("r-9", kind, span, span=span, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("extracted", "thread", "expected_type", "expected_id"),
    [
        (item("blocker", "Still waiting on the security board for SEC-771, SSO remains on hold.",
              category="it_approval", owner="Priya Anand"), "r-2", AddEvidence, "b1"),
        (item("resolution", "The security board approved SEC-771, SSO is unblocked."), "r-2", Resolve, "b1"),
        (item("resolution", "Catalogue export sent ✅", resolves="r-3"), "r-3", Resolve, "n1"),
        (item("decision", "Go-live moves to Monday 13 July."), None, Supersede, "d1"),
        (item("next_step", "I'll book the trainer for the admin course."), None, Create, None),
    ],
)
def test_plan(extracted: ExtractedItem, thread: str | None, expected_type: type, expected_id: str | None) -> None:
    actions = plan_merge(OPEN, [extracted], thread=thread, text=extracted.span)
    assert len(actions) == 1
    action = actions[0]
    assert isinstance(action, expected_type)
    if isinstance(action, AddEvidence | Resolve):
        assert action.item_id == expected_id
    if isinstance(action, Supersede):
        assert action.old_item_id == expected_id


def test_relay_of_the_same_decision_adds_evidence_instead_of_superseding() -> None:
    relay = item("decision", "Confirming for everyone: go-live is Monday 6 July.")
    assert isinstance(plan_merge(OPEN, [relay])[0], AddEvidence)


def test_resolution_across_threads_needs_overlap() -> None:
    unrelated = item("resolution", "Lunch order delivered.")
    assert plan_merge(OPEN, [unrelated], thread="r-8", text=unrelated.span) == []


def test_subject_keys() -> None:
    assert subject_of("Go-live moves to 13 July") == "go_live"
    assert subject_of("Exchange rates come from the ERP's rate table") == "exchange_rates"
    assert subject_of("Dashboards get a blue theme") == ""
