"""Round 6: what is not a task, a blocker's echo as a next step, and owners from the gating clause."""

import pytest

from bot.extraction import ExtractionContext, OfflineExtractor
from bot.extraction.analysis import analyse
from bot.extraction.fields import blocker_owner

from .conftest import context, kinds, make_record


@pytest.mark.parametrize("text", [
    "Thanks Kelly. Omar, keep me posted on the ticket — if it slips we tell the customer before UAT.",
    "Please don't mention the renewal date in the shared channel.",
    "Yes, include the archived projects. Priya, please go ahead.",
])
def test_asking_to_be_kept_informed_a_go_ahead_and_a_dont_are_no_next_steps(
        extractor: OfflineExtractor, text: str) -> None:
    assert "next_step" not in kinds(extractor.extract(make_record(text), context()))


def test_a_go_ahead_that_names_the_work_still_is_one(extractor: OfflineExtractor) -> None:
    items = extractor.extract(make_record("Priya, please go ahead and send the signed order form today."), context())
    assert "next_step" in kinds(items)


def test_a_sentence_that_only_states_a_wait_is_a_blocker_not_also_a_next_step(extractor: OfflineExtractor) -> None:
    items = extractor.extract(make_record("Also: SSO is still waiting on their CAB for CHG-4410 (Thursday the 23rd)."),
                              context())
    assert kinds(items) == ["blocker"]


def test_the_owner_is_named_in_the_clause_that_states_the_gate() -> None:
    record = make_record("Kelly hasn't answered on the price list yet. The load stays blocked until she signs off; "
                         "Omar says he'll look at it tomorrow.", author="Nadia Petrov")
    analysed = analyse(record, context())
    gate = next(s for s in analysed.sentences if "blocked" in s.sentence.text)
    assert blocker_owner(gate, analysed) == "Kelly Brandt"


def test_a_missed_window_waits_on_the_person_just_named() -> None:
    record = make_record("Priya was in board prep all week; she'll sign on Friday. So we've missed this week's change "
                         "window — the next one is Thursday.", author="Omar Lindgren")
    analysed = analyse(record, ExtractionContext(people={"Priya Anand": "customer", "Omar Lindgren": "vendor"}))
    missed = next(s for s in analysed.sentences if "missed" in s.sentence.text)
    assert blocker_owner(missed, analysed) == "Priya Anand"
