"""Routing table: address tag, subject tag, correspondents' domains, and what must wait in triage."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.email.message import Address, ForwardedOriginal, ParsedEmail
from bot.email.record import email_record, stable_message_id
from bot.email.routing import learnable_domain, route_email, side_of
from bot.store.models import Account

VENDOR = frozenset({"brightloom.example"})
ACME = Account(id=1, key="acme", name="Acme Foods", email_domains="acme.example,acme-foods.example",
               third_party_domains="integrator.example")
GLOBEX = Account(id=2, key="globex", name="Globex", email_domains="globex.example")
SHARED = Account(id=3, key="initech", name="Initech", email_domains="holding.example")
TWIN = Account(id=4, key="initrode", name="Initrode", email_domains="holding.example")
ACCOUNTS = [ACME, GLOBEX, SHARED, TWIN]


def addr(email: str, name: str = "") -> Address:
    return Address(name=name, email=email)


def mail(*, sender: str, to: tuple[str, ...] = ("ops@brightloom.example",), subject: str = "Update",
         envelope: tuple[str, ...] = (), original_sender: str | None = None, original_to: tuple[str, ...] = (),
         original_subject: str | None = None) -> ParsedEmail:
    forwarded = None
    if original_sender is not None:
        forwarded = ForwardedOriginal(sender=addr(original_sender, "Ana Ruiz"), date=datetime(2026, 3, 3, tzinfo=UTC),
                                      subject=original_subject, body="SSO is still waiting on IT.",
                                      recipients=tuple(addr(a) for a in original_to))
    return ParsedEmail(message_id="m1@x", subject=subject, sender=addr(sender, "Sam Vendor"),
                       date=datetime(2026, 3, 4, tzinfo=UTC), to=tuple(addr(a) for a in to),
                       envelope_to=tuple(addr(a) for a in envelope), body="hi", clean_body="hi", forwarded=forwarded)


@pytest.mark.parametrize(("parsed", "account", "reason"), [
    (mail(sender="sam@brightloom.example", to=("tandem+globex@brightloom.example",)), "globex", "address tag"),
    (mail(sender="ana@acme.example", envelope=("tandem+GLOBEX@brightloom.example",)), "globex", "address tag"),
    (mail(sender="sam@brightloom.example", subject="Re: [acme] SSO"), "acme", "subject tag"),
    (mail(sender="sam@brightloom.example", subject="Fwd: hello", original_sender="x@other.example",
          original_subject="[globex] data"), "globex", "subject tag"),
    (mail(sender="ana@acme-foods.example"), "acme", "sender domain"),
    (mail(sender="sam@brightloom.example", subject="Fwd: SSO", original_sender="ana@acme.example"), "acme",
     "sender domain"),
    (mail(sender="sam@brightloom.example", to=("kim@globex.example",)), "globex", "sender domain"),
    (mail(sender="sam@brightloom.example", subject="Fwd: x", original_sender="sam2@brightloom.example",
          original_to=("kim@globex.example",)), "globex", "sender domain"),
    (mail(sender="sam@brightloom.example", subject="[unknown] x"), None, "no tag and no known domain"),
    (mail(sender="pat@holding.example"), None, "holding.example is on several accounts"),
    (mail(sender="pat@gmail.com"), None, "no tag and no known domain"),
])
def test_route(parsed: ParsedEmail, account: str | None, reason: str) -> None:
    route = route_email(parsed, ACCOUNTS, vendor_domains=VENDOR)
    assert (route.account.key if route.account else None, route.reason) == (account, reason)


def test_an_unknown_tag_falls_through_to_the_domain() -> None:
    route = route_email(mail(sender="ana@acme.example", to=("tandem+nope@brightloom.example",)), ACCOUNTS,
                        vendor_domains=VENDOR)
    assert (route.account and route.account.key, route.reason) == ("acme", "sender domain")


@pytest.mark.parametrize(("email", "side"), [
    ("sam@brightloom.example", "vendor"), ("ana@acme.example", "customer"),
    ("lee@integrator.example", "third_party"), ("someone@else.example", "customer"),
])
def test_side_of_a_correspondent(email: str, side: str) -> None:
    assert side_of(addr(email), ACME, vendor_domains=VENDOR) == side


@pytest.mark.parametrize(("email", "learned"), [
    ("ana@newco.example", "newco.example"), ("sam@brightloom.example", None), ("pat@gmail.com", None),
])
def test_only_a_company_domain_is_learned(email: str, learned: str | None) -> None:
    assert learnable_domain(addr(email), vendor_domains=VENDOR) == learned


def test_a_forward_becomes_a_record_of_the_original_with_the_forwarder_kept() -> None:
    parsed = mail(sender="sam@brightloom.example", subject="Fwd: SSO", original_sender="ana@acme.example",
                  original_subject="SSO")
    received = datetime(2026, 3, 5, tzinfo=UTC)
    record = email_record(parsed, message_id="m1@x", account=ACME, vendor_domains=VENDOR, received_at=received)
    assert (record.id, record.kind, record.author, record.author_email, record.side) == (
        "email:m1@x", "email", "Ana Ruiz", "ana@acme.example", "customer")
    assert record.ts == datetime(2026, 3, 3, tzinfo=UTC)
    assert record.subject == "SSO"
    assert record.forwarded_by == "Sam Vendor <sam@brightloom.example>"
    assert record.visibility == "internal"
    assert record.text.endswith("SSO is still waiting on IT.")
    assert "Sam Vendor <sam@brightloom.example> forwarded this with a note: hi" in record.text


def test_a_plain_mail_is_its_own_author_and_external_when_the_account_says_so() -> None:
    open_account = Account(id=9, key="open", name="Open", emails_external=True)
    record = email_record(mail(sender="sam@brightloom.example"), message_id="m1@x", account=open_account,
                          vendor_domains=VENDOR, received_at=datetime(2026, 3, 5, tzinfo=UTC))
    assert (record.author, record.side, record.visibility, record.forwarded_by) == (
        "Sam Vendor", "vendor", "external", None)


def test_a_missing_message_id_is_derived_from_the_bytes() -> None:
    without = ParsedEmail(message_id=None, subject=None, sender=None, date=None)
    first, again, other = (stable_message_id(without, raw) for raw in (b"a mail", b"a mail", b"another"))
    assert first == again != other
    assert stable_message_id(mail(sender="a@b.example"), b"x") == "m1@x"
