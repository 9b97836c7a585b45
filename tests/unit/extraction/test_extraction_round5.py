"""Round 5: cue families for gates and defects stated as plain facts, owners from context."""

from dataclasses import replace

from bot.extraction import ExtractionContext
from bot.extraction.analysis import analyse
from bot.extraction.features import cue_flags
from bot.extraction.fields import blocker_owner, next_step_owner

from .conftest import context, make_record


def test_plain_fact_gates_and_defects_have_a_cue_family() -> None:
    assert "party_pending" in cue_flags("Finance signs off anything over $10k, so it's with them now.")
    assert "party_pending" in cue_flags("Only I have admin rights on that tenant.")
    assert "incapable" in cue_flags("We can't accept the test results like this.")
    assert "lack" in cue_flags("The legacy orders never had a region code.")
    assert "call" in cue_flags("It's your call whether we keep the old IDs.")
    assert "incapable" not in cue_flags("I can't wait to see it live!")


def test_block_as_a_noun_is_no_gate() -> None:
    assert "gate" not in cue_flags("There is an odd block of text at the bottom of the email.")
    assert "gate" in cue_flags("This blocks the data load.")


def test_third_party_dated_work_told_as_a_fact() -> None:
    assert "third_will" in cue_flags("She'll countersign on Friday.")
    assert "third_will" in cue_flags("Testing this afternoon.")


def test_sole_capability_makes_the_speaker_the_unblocker() -> None:
    record = make_record("Omar doesn't have deploy rights on staging, only I do.", author="Priya Anand", side="customer")
    analysed = analyse(record, context())
    assert blocker_owner(analysed.sentences[0], analysed) == "Priya Anand"


def test_an_fyi_addressee_is_not_the_unblocker() -> None:
    record = make_record("@Omar Lindgren FYI: the connector doesn't support multi-currency journals yet.")
    analysed = analyse(record, context())
    assert blocker_owner(analysed.sentences[0], analysed) is None


def test_blocker_waiting_on_an_outside_organisation_goes_to_its_contact() -> None:
    earlier = replace(make_record("Extract v2 is on the SFTP.", author="Marta Silva", side="third_party",
                                  record_id="r-0"), author_email="marta@quarrymigrations.example")
    record = make_record("UAT can't start until the full data is in, so we're blocked on Quarry for UAT data.",
                         record_id="r-1")
    analysed = analyse(record, ExtractionContext(earlier=[earlier], people={"Marta Silva": "third_party"}))
    assert blocker_owner(analysed.sentences[0], analysed) == "Marta Silva"


def test_own_engineering_eta_is_the_authors_side_work() -> None:
    record = make_record("Ticket ENG-88; engineering's fix ETA is Friday.", author="Nadia Petrov")
    analysed = analyse(record, context())
    assert next_step_owner(analysed.sentences[0], analysed) == "Nadia Petrov"
