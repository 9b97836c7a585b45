"""Every fixture mail is kept once and filed under the right account, unwrapped to its original author."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from bot.container import Container
from bot.settings import Settings
from bot.store import repos
from bot.store.db import session_scope
from bot.store.models import DeadLetter, InboundEmail, Source

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "email"
PRIYA = "Priya Raman <priya.raman@brightloom.example>"
MARCUS = "Marcus Lee <marcus.lee@brightloom.example>"

# fixture: (account, why, author, forwarded_by)
EXPECTED = {
    "apple_mail_forward.eml": ("acme", "address tag", "Dana Whitfield", PRIYA),
    "base64_body.eml": ("acme", "address tag", "Dana Whitfield", None),
    "broken_boundary.eml": ("globex", "sender domain", "Tom Becker", None),
    "cp1252_mislabelled.eml": ("acme", "sender domain", "Dana Whitfield", None),
    "empty_body.eml": ("acme", "sender domain", "Dana Whitfield", None),
    "encoded_word_subject.eml": ("globex", "sender domain", "Lucía Fernández", None),
    "forward_as_attachment.eml": ("acme", "address tag", "Leo Park", PRIYA),
    "gmail_forward.eml": ("acme", "address tag", "Dana Whitfield", PRIYA),
    "gmail_forward_html_alternative.eml": ("globex", "subject tag", "Karen Holt", PRIYA),
    "gmail_forward_html_only.eml": ("globex", "sender domain", "Tom Becker", PRIYA),
    "html_only.eml": ("globex", "sender domain", "Tom Becker", None),
    "iso_8859_1.eml": ("acme", "sender domain", "Jonas Keller", None),
    "missing_message_id.eml": ("acme", "sender domain", "Leo Park", None),
    "multipart_alternative.eml": ("globex", "sender domain", "Holt, Karen", None),
    "nested_forward.eml": ("globex", "sender domain", "Karen Holt", MARCUS),
    "outlook_forward_de.eml": ("acme", "address tag", "Jonas Keller", PRIYA),
    "outlook_forward_en.eml": ("globex", "sender domain", "Karen Holt", MARCUS),
    "outlook_forward_es.eml": ("globex", "sender domain", "Lucía Fernández", PRIYA),
    "outlook_forward_fr.eml": ("globex", "sender domain", "Sophie Martin", PRIYA),
    "outlook_forward_nl.eml": ("globex", "sender domain", "Daan de Vries", MARCUS),
    "outlook_reply.eml": ("globex", "sender domain", "Karen Holt", None),
    "quoted_printable.eml": ("globex", "sender domain", "Sophie Martin", None),
    "reply_with_quote.eml": ("acme", "address tag", "Dana Whitfield", None),
    "signature_only_reply.eml": ("acme", "sender domain", "Dana Whitfield", None),
    "thunderbird_forward.eml": ("globex", "sender domain", "Sophie Martin", MARCUS),
    "unknown_charset.eml": ("acme", "sender domain", "Leo Park", None),
    "unparseable_date.eml": ("acme", "sender domain", "Dana Whitfield", None),
    "with_pdf_attachment.eml": ("acme", "address tag", "Dana Whitfield", None),
}


@pytest.fixture
def mail_container(settings: Settings) -> Iterator[Container]:
    wired = settings.model_copy(update={"vendor_email_domains": ("brightloom.example",)})
    built = Container(wired)
    built.migrate()
    with session_scope(built.engine) as session:
        repos.get_or_create_account(session, key="acme").email_domains = "acme.example"
        repos.get_or_create_account(session, key="globex").email_domains = "globex.example"
    yield built
    built.close()


def test_the_table_covers_every_fixture() -> None:
    assert sorted(EXPECTED) == sorted(p.name for p in FIXTURES.glob("*.eml"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_fixture_is_filed_under_its_account(mail_container: Container, name: str) -> None:
    raw = (FIXTURES / name).read_bytes()
    result = mail_container.email_intake.accept(raw, via="cli")
    account, why, author, forwarded_by = EXPECTED[name]
    assert (result.outcome, result.account, result.reason) == ("routed", account, why)
    with session_scope(mail_container.engine) as session:
        source = session.exec(select(Source).where(Source.external_id == result.source_external_id)).one()
        inbound = session.exec(select(InboundEmail)).one()
        assert (source.kind, source.author, source.forwarded_by, source.side, source.visibility) == (
            "email", author, forwarded_by, "customer", "internal")
        assert inbound.raw == raw and inbound.source_external_id == source.external_id
    again = mail_container.email_intake.accept(raw, via="gmail")
    assert again.outcome == "duplicate"


def test_a_forward_is_indexed_without_the_quoted_history_but_the_raw_keeps_it(mail_container: Container) -> None:
    raw = (FIXTURES / "gmail_forward.eml").read_bytes()
    result = mail_container.email_intake.accept(raw, via="webhook")
    with session_scope(mail_container.engine) as session:
        source = session.exec(select(Source).where(Source.external_id == result.source_external_id)).one()
        assert "Forwarded message" not in source.text and "wrote:" not in source.text
    assert b"wrote:" in raw


def test_a_mail_for_an_account_given_by_hand_skips_routing(mail_container: Container) -> None:
    raw = (FIXTURES / "html_only.eml").read_bytes()
    result = mail_container.email_intake.accept(raw, via="cli", account_key="Acme")
    assert (result.outcome, result.account, result.reason) == ("routed", "acme", "account given")


def test_nothing_is_lost_whatever_the_input(mail_container: Container) -> None:
    inputs = [b"", b"\x00\xff" * 50, b"Subject: only a subject\r\n\r\n", b"no headers at all, just words"]
    outcomes = [mail_container.email_intake.accept(raw, via="webhook").outcome for raw in inputs]
    with session_scope(mail_container.engine) as session:
        kept = len(session.exec(select(InboundEmail)).all()) + len(session.exec(select(DeadLetter)).all())
    assert kept == len(inputs)
    assert outcomes[:2] == ["dead_letter", "dead_letter"]


def test_attachments_are_listed_in_the_text_not_stored(mail_container: Container) -> None:
    raw = (FIXTURES / "with_pdf_attachment.eml").read_bytes()
    result = mail_container.email_intake.accept(raw, via="cli")
    with session_scope(mail_container.engine) as session:
        source = session.exec(select(Source).where(Source.external_id == result.source_external_id)).one()
    attached = source.text.rsplit("Attached: ", 1)[1]
    assert attached.endswith(".csv") and ".pdf" in attached
    assert len(source.text) < 2000  # names only, never the files' bytes
