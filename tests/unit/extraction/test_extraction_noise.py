"""Noise yields nothing; commitments, requests and gates do yield items (fictional text)."""

import pytest

from .conftest import context, kinds, make_record

ITEM_KINDS = {"blocker", "next_step", "decision"}


@pytest.mark.parametrize(
    "text",
    [
        "Thanks everyone, have a lovely weekend! :tada:",
        "FYI our Lisbon office is closed on Thursday for a public holiday.",
        "Hypothetically, if we ever added a second brand, would the licence model change?",
        "Nothing blocking on our side at the moment.",
        "Which time zone are the usage reports in?",
        "Heads-up: scheduled platform maintenance on Sunday 02:00-04:00 UTC, no action needed.",
    ],
)
def test_noise_yields_no_items(extractor, text: str) -> None:
    items = extractor.extract(make_record(text), context())
    assert not set(kinds(items)) & ITEM_KINDS


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I'll send the revised field mapping by Friday.", "next_step"),
        ("@Kelly Brandt could you share the admin export by Thursday?", "next_step"),
        ("We can't switch on provisioning until the security team approves the app, so it is on hold.", "blocker"),
    ],
)
def test_actionable_text_yields_its_kind(extractor, text: str, kind: str) -> None:
    assert kind in kinds(extractor.extract(make_record(text), context()))


def test_commitment_carries_owner_and_resolved_due(extractor) -> None:
    record = make_record("I'll send the revised field mapping by Friday.", author="Omar Lindgren")
    step = next(i for i in extractor.extract(record, context()) if i.kind == "next_step")
    assert step.owner == "Omar Lindgren"
    assert step.due is not None and step.due.isoformat() == "2026-06-12"
    assert step.waiting_on == "vendor"


def test_quoted_history_in_a_reply_is_ignored(extractor) -> None:
    text = (
        "Sounds good, thanks.\n\n"
        "On Mon, 8 Jun 2026 at 09:12, Omar Lindgren <omar@vendor.example> wrote:\n"
        "> Could you send the signed order form by Friday?\n"
        "> I'll book the training rooms tomorrow.\n"
    )
    record = make_record(text, kind="email", author="Priya Anand", side="customer", subject="RE: order form")
    assert not set(kinds(extractor.extract(record, context()))) & ITEM_KINDS
