"""Chases never resolve; resolutions find their item across threads; owners of blockers and relays."""

from bot.extraction import ExtractionContext
from bot.extraction.analysis import analyse
from bot.extraction.extractor import OfflineExtractor, Thresholds
from bot.extraction.fields import blocker_owner, decision_owner
from bot.extraction.merge import AddEvidence, OpenItem, Resolve, plan_merge
from bot.records import ExtractedItem

from .conftest import context, make_record

FIREWALL = OpenItem(
    id="b7", kind="blocker", summary="Data import can't start until Zephyr IT approves the VPN rule",
    owner=None, waiting_on="customer", category="it_approval", source_ids=("r-1",),
    evidence=("We can't start the data import until Zephyr IT approves the VPN rule.",), threads=("r-1",),
)
TRAINING = OpenItem(
    id="n3", kind="next_step", summary="Book the admin training room", owner="Omar Lindgren",
    waiting_on="vendor", source_ids=("r-2",), evidence=("I'll book the admin training room.",), threads=("r-2",),
)


def test_a_chase_yields_no_resolution_line(extractor) -> None:
    for text in ("Still waiting on Zephyr IT to approve the VPN rule.", "@Kelly Brandt any update on the VPN rule?",
                 "Reminder: the VPN rule is still pending with IT."):
        items = extractor.extract(make_record(text, author="Kelly Brandt", side="customer"), context())
        assert "resolution" not in [i.kind for i in items], text



def test_a_delivery_beside_a_chase_still_reports_the_delivery(extractor) -> None:
    record = make_record("The field inventory is attached (412 fields). Heads up: 37 custom fields are still "
                         "undocumented, and we need you to tell us which are used before we finalise the export.",
                         author="Kelly Brandt", side="customer")
    assert "resolution" in [i.kind for i in extractor.extract(record, context())]


# the completion rules alone: the model never reports a resolution line at this threshold
RULES_ONLY = OfflineExtractor(thresholds=Thresholds(resolution=1.01))


def test_a_clause_of_its_own_can_report_the_completion() -> None:
    for text in ("Wave 3 done: 8.7M engagements loaded into staging.",
                 "Retention team trained — 58 of 60 attended; the two who missed it will do the e-learning."):
        items = RULES_ONLY.extract(make_record(text, author="Kelly Brandt", side="customer"), context())
        assert "resolution" in [i.kind for i in items], text


def test_a_clause_still_pending_reports_no_completion() -> None:
    for text in ("Wave 3 done?", "Sign-off complete once the CFO has read it."):
        items = RULES_ONLY.extract(make_record(text, author="Kelly Brandt", side="customer"), context())
        assert "resolution" not in [i.kind for i in items], text

def test_a_restated_item_is_never_resolved_by_the_same_record() -> None:
    restated = ExtractedItem("r-9", "blocker", "Still waiting on Zephyr IT to approve the VPN rule",
                             span="Still waiting on Zephyr IT to approve the VPN rule.", category="it_approval")
    stray = ExtractedItem("r-9", "resolution", None, span="approve the VPN rule")
    actions = plan_merge([FIREWALL], [stray, restated], thread="r-9", text=restated.span)
    assert [type(a) for a in actions] == [AddEvidence]


def test_resolution_outside_the_thread_matches_by_content(extractor) -> None:
    record = make_record("Zephyr IT approved the VPN rule this morning, the import can start.",
                         author="Kelly Brandt", side="customer", record_id="r-20")
    lines = [i for i in extractor.extract(record, context()) if i.kind == "resolution"]
    assert lines
    actions = plan_merge([FIREWALL, TRAINING], lines, thread="r-20", text=record.text)
    assert [(type(a), a.item_id) for a in actions] == [(Resolve, "b7")]


def test_blocker_owner_from_an_appositive_and_a_pronoun() -> None:
    record = make_record("SCIM needs a review by our CISO, Hanna Lutz. Provisioning is on hold until she signs it off.",
                         author="Kelly Brandt", side="customer")
    analysed = analyse(record, ExtractionContext())
    assert blocker_owner(analysed.sentences[1], analysed) == "Hanna Lutz"


def test_relayed_decision_belongs_to_the_person_thanked() -> None:
    record = make_record("Thanks Priya — noted for everyone: go-live moves to Monday 6 July.", author="Nadia Petrov")
    analysed = analyse(record, context())
    assert decision_owner(analysed.sentences[0], analysed) == "Priya Anand"


def test_only_the_opening_clause_can_report_the_completion() -> None:
    text = "Change of plans from our side: we just signed a distributor in Dublin and will invoice them in euros."
    items = RULES_ONLY.extract(make_record(text, author="Kelly Brandt", side="customer"), context())
    assert "resolution" not in [i.kind for i in items]
