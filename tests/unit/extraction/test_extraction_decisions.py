"""Decisions vs proposals and gate approvals; supersession on the same subject; resolutions that complete."""

from datetime import date

import pytest

from bot.extraction.merge import AddEvidence, OpenItem, Resolve, Supersede, plan_merge

from .conftest import context, kinds, make_record


@pytest.mark.parametrize(
    "text",
    [
        "Proposed territory model for review: two regions, each with three teams. @Priya Anand can you approve?",
        "Hi Kelly,\n\nHere is change request CR-7 for the loyalty module.\n\nA) Build it for go-live: 9 days, go-live moves to Monday 13 July.\nB) Phase 2 after go-live: no impact on 6 July.\n\nWhich option do you prefer?",
        "Security board approved the SAML app this morning :white_check_mark: Admin consent is granted.",
        "Could we get the loyalty module synced for go-live?",
        "See you all on Monday for go-live!",
    ],
)
def test_proposals_gate_approvals_and_mentions_are_no_decisions(extractor, text: str) -> None:
    assert "decision" not in kinds(extractor.extract(make_record(text, author="Priya Anand", side="customer"), context()))


def test_choosing_an_option_is_a_decision(extractor) -> None:
    record = make_record("Option B. Phase 2 is fine for us, go-live stays 6 July.", author="Priya Anand", side="customer")
    assert "decision" in kinds(extractor.extract(record, context()))


def test_a_preference_waiting_on_someone_elses_sign_off_is_no_decision(extractor) -> None:
    record = make_record("I'd like option A. But our CFO signs off anything over $5k, so it's with her now.",
                         author="Priya Anand", side="customer")
    assert "decision" not in kinds(extractor.extract(record, context()))


def test_delivery_is_a_completion_not_a_next_step(extractor) -> None:
    record = make_record("Hi Kelly,\n\nPlease find attached the data processing addendum for your legal team.\n\nBest,\nNadia")
    items = extractor.extract(record, context())
    assert "next_step" not in kinds(items)
    assert "resolution" in kinds(items)


def _decision(summary: str, subject: str, source: str, evidence: str | None = None, thread: str | None = None) -> OpenItem:
    return OpenItem(id=source, kind="decision", summary=summary, source_ids=(source,), evidence=(evidence or summary,),
                    threads=(thread or source,), subject=subject)


def _new(kind: str, span: str, source: str = "r-9", **fields: object):
    from bot.records import ExtractedItem

    return ExtractedItem(source, kind, span, span=span, **fields)  # type: ignore[arg-type]


def test_keeping_the_date_adds_evidence_instead_of_superseding() -> None:
    go_live = _decision("Go-live is Monday 6 July", "go_live", "r-1")
    [action] = plan_merge([go_live], [_new("decision", "UAT is signed off — go-live stays Monday 6 July as planned.")])
    assert isinstance(action, AddEvidence) and action.item_id == "r-1"


def test_a_decision_before_go_live_is_not_a_go_live_decision() -> None:
    scim = _decision("We'd rather not enable SCIM before go-live", "", "r-1")
    go_live = _decision("Go-live is Monday 6 July", "go_live", "r-2")
    [action] = plan_merge([scim, go_live], [_new("decision", "Go-live moves to Monday 13 July.")])
    assert isinstance(action, Supersede) and action.old_item_id == "r-2"


def test_a_decision_without_subject_never_supersedes_one_with_a_subject() -> None:
    go_live = _decision("Go-live is Monday 6 July", "go_live", "r-1",
                        evidence="Kick-off: go-live is Monday 6 July. The VP still has to look at the territory model.")
    [action] = plan_merge([go_live], [_new("decision", "The VP has approved the territory model with two regions.")])
    assert not isinstance(action, Supersede)


def test_a_bare_confirmation_in_a_thread_takes_the_thread_subject() -> None:
    go_live = _decision("Go-live is Monday 6 July", "go_live", "r-1")
    ask = OpenItem(id="n1", kind="next_step", summary="Confirm moving go-live to Monday 13 July", source_ids=("r-5",),
                   evidence=("Proposal: move go-live to Monday 13 July. Can you confirm?",), threads=("r-5",),
                   subject="go_live", due=date(2026, 7, 1))
    actions = plan_merge([go_live, ask], [_new("decision", "Confirmed, 13 July.")], thread="r-5")
    assert any(isinstance(a, Supersede) and a.old_item_id == "r-1" for a in actions)


def test_handing_something_in_clears_no_blocker() -> None:
    gate = OpenItem(id="b1", kind="blocker", summary="SSO app waits on the change board", category="it_approval",
                    source_ids=("r-2",), evidence=("The SSO app has to go through our change board.",), threads=("r-2",))
    step = OpenItem(id="n1", kind="next_step", summary="Submit the SSO app request to the change board",
                    source_ids=("r-3",), evidence=("I'll submit the SSO app request to the change board today.",), threads=("r-3",))
    actions = plan_merge([gate, step], [_new("resolution", "Submitted — change board ref CHG-77, on the agenda for Thursday.")],
                         text="Submitted — change board ref CHG-77, on the agenda for Thursday.")
    assert [a.item_id for a in actions if isinstance(a, Resolve)] == ["n1"]
