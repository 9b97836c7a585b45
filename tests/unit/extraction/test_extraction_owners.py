"""Owners of next steps: mentions, "I'll", "we", addressed requests and first names."""

import pytest

from bot.extraction.analysis import analyse
from bot.extraction.fields import next_step_owner, side_waiting

from .conftest import context, make_record


@pytest.mark.parametrize(
    ("text", "author", "slack_users", "expected"),
    [
        ("<@U77> could you export the pilot users by Friday?", "Nadia Petrov", {"U77": "Kelly Brandt"}, "Kelly Brandt"),
        ("@Kelly Brandt could you export the pilot users by Friday?", "Nadia Petrov", {}, "Kelly Brandt"),
        ("Priya, please upload the signed order form today.", "Nadia Petrov", {}, "Priya Anand"),
        ("I'll draft the cutover checklist by Thursday.", "Omar Lindgren", {}, "Omar Lindgren"),
        ("We'll validate the imported invoices on Monday.", "Kelly Brandt", {}, "Kelly Brandt"),
        ("Marta will run the final delta load on Saturday.", "Nadia Petrov", {}, "Marta Silva"),
        ("Kelly can you resend the SFTP key?", "Omar Lindgren", {}, "Kelly Brandt"),
    ],
)
def test_next_step_owner(text: str, author: str, slack_users: dict[str, str], expected: str) -> None:
    record = make_record(text, author=author, side="vendor" if author in ("Nadia Petrov", "Omar Lindgren") else "customer")
    analysed = analyse(record, context(slack_users=slack_users))
    assert next_step_owner(analysed.sentences[0], analysed) == expected


def test_first_names_resolve_from_earlier_authors_when_people_are_not_given() -> None:
    from bot.extraction import ExtractionContext

    earlier = [make_record("Hello from the customer side!", author="Tomas Varga", side="customer", record_id="r-0")]
    analysed = analyse(make_record("Tomas, could you confirm the region by Monday?"), ExtractionContext(earlier=earlier))
    owner = next_step_owner(analysed.sentences[0], analysed)
    assert owner == "Tomas Varga"
    assert side_waiting("next_step", owner, analysed.sentences[0], analysed, None) == "customer"
