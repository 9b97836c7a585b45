"""Questions, conditional offers, risks and plain commitments: what they are and are not (fictional text)."""

import pytest

from .conftest import context, kinds, make_record


@pytest.mark.parametrize(
    "text",
    [
        "@Kelly Brandt any news on the firewall ticket?",
        "@Priya Anand are you OK with us importing the archived leads too?",
        "Could we switch the export to a nightly file instead?",
        "Is it possible to keep two price lists per region?",
        "Quick question: can we have two currencies on one quote?",
        "If your auditors need the penetration-test letter, just say and I'll send it over.",
    ],
)
def test_information_questions_and_conditional_offers_are_not_next_steps(extractor, text: str) -> None:
    items = extractor.extract(make_record(text, author="Omar Lindgren"), context())
    assert "next_step" not in kinds(items)


@pytest.mark.parametrize(
    "text",
    [
        "@Kelly Brandt could you send the signed data-processing addendum by Thursday?",
        "Priya, can you approve the sandbox request today?",
    ],
)
def test_requests_phrased_as_questions_are_next_steps(extractor, text: str) -> None:
    items = extractor.extract(make_record(text, author="Omar Lindgren"), context())
    assert "next_step" in kinds(items)


@pytest.mark.parametrize(
    "text",
    [
        "Go-live on 9 June looks at risk.",
        "The Lisbon delta extract is scheduled for Monday; I'll drop it on the SFTP by 21:00.",
    ],
)
def test_risks_and_plain_commitments_are_not_blockers(extractor, text: str) -> None:
    items = extractor.extract(make_record(text, author="Omar Lindgren"), context())
    assert "blocker" not in kinds(items)
