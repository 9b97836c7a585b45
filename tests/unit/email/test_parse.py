"""Email parsing: one row per .eml fixture with exact expectations, then the edge cases one by one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.email.charsets import decode_bytes, decode_words
from bot.email.dates import parse_date
from bot.email.headers import text_addresses
from bot.email.mbox import iter_mbox
from bot.email.message import Address, Attachment, EmailParseError, ParsedEmail
from bot.email.parse import parse_email

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "email"

EST = timezone(timedelta(hours=-5))
EDT = timezone(timedelta(hours=-4))
CST = timezone(timedelta(hours=-6))
PDT = timezone(timedelta(hours=-7))
CET = timezone(timedelta(hours=1))

PRIYA = Address("Priya Raman", "priya.raman@brightloom.example")
MARCUS = Address("Marcus Lee", "marcus.lee@brightloom.example")
DANA = Address("Dana Whitfield", "dana.whitfield@acme.example")
LEO = Address("Leo Park", "leo.park@acme.example")
JONAS = Address("Jonas Keller", "jonas.keller@acme.example")
KAREN = Address("Karen Holt", "karen.holt@globex.example")
TOM = Address("Tom Becker", "tom.becker@globex.example")
SOPHIE = Address("Sophie Martin", "sophie.martin@globex.example")
LUCIA = Address("Lucía Fernández", "lucia.fernandez@globex.example")
DAAN = Address("Daan de Vries", "daan.devries@globex.example")
TANDEM = "tandem@brightloom.example"
TANDEM_ACME = "tandem+acme@brightloom.example"


@dataclass(frozen=True)
class Fwd:
    """What the forwarded original must be."""

    sender: Address | None
    date: datetime | None
    subject: str | None
    recipients: tuple[str, ...]
    body: str


@dataclass(frozen=True)
class Case:
    file: str
    message_id: str | None
    subject: str | None
    sender: Address | None
    date: datetime | None
    clean_body: str
    forwarded: Fwd | None = None
    to: tuple[str, ...] = ()
    envelope_to: tuple[str, ...] = ()
    body_has: tuple[str, ...] = ()  # the whole body keeps these (quotes and signatures included)
    attachments: tuple[Attachment, ...] = ()
    defects: tuple[str, ...] = ()


CASES = [
    Case(
        "gmail_forward.eml", "CAK7fQ2x9Lw3mZ0p1VbN4yR8sT6uH2jD5eA@mail.gmail.com", "Fwd: SSO app approval for Acme",
        PRIYA, datetime(2025, 3, 4, 9, 2, 11, tzinfo=EST),
        "Filing this for Acme — Dana confirms the SSO app is approved.",
        Fwd(DANA, datetime(2025, 3, 3, 10, 14, tzinfo=EST), "Re: SSO app approval for Acme",
            ("priya.raman@brightloom.example", "leo.park@acme.example"),
            "Hi Priya,\n\nOur security team approved the Brightloom SAML app this morning. You can\n"
            "switch SSO on for the pilot group on Thursday; the rest of the company\nfollows after go-live on "
            "March 17.\n\nOne open point: we still need the SCIM token from your side by Wednesday."),
        to=(TANDEM_ACME,), envelope_to=(TANDEM_ACME,),
        body_has=("Best regards,\nDana Whitfield", "> Could you let us know when the SAML app is approved?"),
    ),
    Case(
        "gmail_forward_html_alternative.eml", "CAK7fQ2yP0aZ3Lm8Rt5Vb1Nc9Xs2Wq4Ee7Hk@mail.gmail.com",
        "Fwd: Contact export for the migration [globex]", PRIYA, datetime(2025, 3, 6, 8, 15, 40, tzinfo=UTC),
        "Adding to the Globex file.",
        Fwd(KAREN, datetime(2025, 3, 5, 15, 40, tzinfo=UTC), "Contact export for the migration",
            ("priya.raman@brightloom.example", "marcus.lee@brightloom.example"),
            "Hi Priya, hi Marcus,\n\nThe contact export (1.2M rows) will be ready on 12 March. We dropped the\n"
            'legacy "fax" field as agreed; everything else follows mapping v3.'),
        to=(TANDEM,), envelope_to=(TANDEM,),
        body_has=("legacy \"fax\" field as agreed", "Cheers,\nKaren"),  # the plain part (its own line breaks)
    ),
    Case(
        "gmail_forward_html_only.eml", "CAK7fQ2uH5jK7lZ9xC1vB3nM@mail.gmail.com", "Fwd: Re: Pen test findings",
        PRIYA, datetime(2025, 3, 15, 9, 11, 5, tzinfo=UTC),
        "Globex security sign-off, for the record.",
        Fwd(TOM, datetime(2025, 3, 14, 16, 5, tzinfo=UTC), "Re: Pen test findings",
            ("priya.raman@brightloom.example",),
            "Priya,\n\nSecurity signed off the pen test findings; nothing blocks go-live.\n\nTom"),
        to=(TANDEM,), envelope_to=(TANDEM,),
        body_has=("---------- Forwarded message ---------\nFrom: Tom Becker <tom.becker@globex.example>",
                  "> > Any update from security on the pen test?"),
    ),
    Case(
        "outlook_forward_en.eml",
        "AM9PR07MB70125C3F2B1A4D6E8F90A1B2C3D4@AM9PR07MB7012.eurprd07.prod.outlook.example",
        "FW: Data migration plan – Globex", MARCUS, datetime(2025, 3, 6, 9, 30, 12, tzinfo=UTC),
        "Tandem, please file under Globex.",
        Fwd(KAREN, datetime(2025, 3, 5, 16, 12, tzinfo=UTC), "Data migration plan – Globex",
            ("marcus.lee@brightloom.example", "priya.raman@brightloom.example", "tom.becker@globex.example"),
            "Hi Marcus,\n\nWe approve the migration plan v3. Please schedule the trial load for Monday 10 March; "
            "our DBA is available 9:00–13:00 CET."),
        to=(TANDEM,), envelope_to=(TANDEM,),
        body_has=("________________________________\nFrom: Karen Holt", "CONFIDENTIALITY NOTICE"),
    ),
    Case(
        "outlook_forward_de.eml", "003101db8c1a$5f2e3d40$1d8ab7c0$@brightloom.example",
        "WG: Freigabe SSO-Konfiguration", PRIYA, datetime(2025, 3, 3, 11, 2, 45, tzinfo=CET),
        "Zur Ablage bei Acme.",
        Fwd(JONAS, datetime(2025, 3, 3, 10, 14, tzinfo=CET), "Freigabe SSO-Konfiguration",
            ("priya.raman@brightloom.example", "dana.whitfield@acme.example"),
            "Hallo Priya,\n\ndie SSO-Konfiguration ist vom Betriebsrat freigegeben. Die Datenmigration kann am "
            "Freitag starten; bitte schickt uns vorher das Mapping für die Kundennummern."),
        to=(TANDEM_ACME,), envelope_to=(TANDEM_ACME,),
        body_has=("-----Ursprüngliche Nachricht-----", "Mit freundlichen Grüßen\nJonas Keller"),
    ),
    Case(
        "outlook_forward_fr.eml",
        "PR3P189MB10204B6F0E1D2C3B4A596877AB12@PR3P189MB1020.EURP189.PROD.OUTLOOK.example",
        "TR: Validation de la recette", PRIYA, datetime(2025, 3, 10, 15, 20, tzinfo=CET),
        "Pour le dossier Globex.",
        Fwd(SOPHIE, datetime(2025, 3, 10, 14, 5, tzinfo=CET), "Validation de la recette",
            ("priya.raman@brightloom.example",),
            "Bonjour Priya,\n\nNous validons la recette : la mise en production (go-live) peut avoir lieu le "
            "24 mars comme prévu. La reprise des données est terminée."),
        to=(TANDEM,), envelope_to=(TANDEM,),
        body_has=("Envoyé : lundi 10 mars 2025 14:05", "Cordialement,\nSophie Martin"),
    ),
    Case(
        "outlook_forward_es.eml", "009a01db9250$aa11bb22$fe339966$@brightloom.example", "RV: Aprobación del SSO",
        PRIYA, datetime(2025, 3, 11, 10, 5, tzinfo=CET),
        "Para Globex, por favor.",
        Fwd(LUCIA, datetime(2025, 3, 11, 9, 30, tzinfo=CET), "Aprobación del SSO",
            ("priya.raman@brightloom.example", "marcus.lee@brightloom.example", "javier.ortega@globex.example"),
            "Hola Priya:\n\nTenemos la aprobación del SSO. La migración de datos empieza el lunes 17 de marzo."),
        to=(TANDEM,), envelope_to=(TANDEM,),
        body_has=("Gracias,\nPriya", "Jefa de Sistemas | Globex España"),
    ),
    Case(
        "outlook_forward_nl.eml",
        "DU0P191MB1934E1F2A3B4C5D6E7F8091A2B3C@DU0P191MB1934.EURP191.PROD.OUTLOOK.example",
        "FW: Planning go-live", MARCUS, datetime(2025, 3, 12, 8, 0, tzinfo=CET),
        "Ter info.",
        Fwd(DAAN, datetime(2025, 3, 11, 16, 20, tzinfo=CET), "Planning go-live",
            ("marcus.lee@brightloom.example",),
            "Hallo Marcus,\n\nDe go-live verschuift naar 31 maart; de datamigratie is nog niet klaar."),
        to=(TANDEM,), envelope_to=(TANDEM,),
    ),
    Case(
        "apple_mail_forward.eml", "A1B2C3D4-E5F6-4789-9ABC-DEF012345678@brightloom.example",
        "Fwd: IdP metadata for Brightloom SSO", PRIYA, datetime(2025, 3, 3, 10, 30, 2, tzinfo=CET),
        "FYI — Dana sent the IdP metadata for production.",
        Fwd(DANA, datetime(2025, 3, 3, 10, 14, tzinfo=CET), "IdP metadata for Brightloom SSO",
            ("priya.raman@brightloom.example",),
            "Hi Priya,\n\nAttached is the IdP metadata XML for the production tenant. The entity ID is "
            "https://sso.acme.example/adfs/services/trust."),
        to=(TANDEM_ACME,), envelope_to=(TANDEM_ACME,),
        body_has=("Begin forwarded message:", "Sent from my iPhone"),
    ),
    Case(
        "thunderbird_forward.eml", "4e7c1f0a-93b2-4d5e-a6f8-0b1c2d3e4f50@brightloom.example",
        "Fwd: Test users for UAT", MARCUS, datetime(2025, 3, 10, 15, 40, 16, tzinfo=CET),
        "For the Globex file.",
        Fwd(SOPHIE, datetime(2025, 3, 10, 14, 22, 31, tzinfo=CET), "Test users for UAT",
            ("marcus.lee@brightloom.example",),
            # format=flowed: the soft break after "UAT " is joined
            "Hi Marcus,\n\nWe created 12 test users for UAT; the list is in the shared folder. UAT starts "
            "Wednesday and runs until the 21st.\n\nSophie"),
        to=(TANDEM,),
    ),
    Case(
        "nested_forward.eml", "CAL9xR4tQ1zW8mK3pY6vB2nH5cJ0sD7fG@mail.gmail.com", "Fwd: FW: Go-live date confirmed",
        MARCUS, datetime(2025, 3, 13, 9, 20, tzinfo=PDT),
        "Filing the Globex go-live confirmation.",
        # the innermost original; its zone-less Sent date takes the outer message's zone
        Fwd(KAREN, datetime(2025, 3, 12, 17, 47, tzinfo=PDT), "Go-live date confirmed",
            ("priya.raman@brightloom.example",),
            "Hi Priya,\n\nConfirmed: Globex goes live on Monday 24 March. The CAB approved the change (CHG-4471) "
            "yesterday."),
        to=(TANDEM,), envelope_to=(TANDEM,),
        body_has=("Marcus, see Karen's confirmation below.",),
    ),
    Case(
        "forward_as_attachment.eml",
        "PAXP189MB17465D4C3B2A1F0E9D8C7B6A5F4E@PAXP189MB1746.EURP189.PROD.OUTLOOK.example",
        "FW: Data migration sign-off", PRIYA, datetime(2025, 3, 8, 9, 12, 28, tzinfo=UTC),
        "Leo's data migration sign-off, attached.",
        Fwd(LEO, datetime(2025, 3, 7, 17, 22, 5, tzinfo=CST), "Data migration sign-off",
            ("priya.raman@brightloom.example", "dana.whitfield@acme.example"),
            "Priya,\n\nWe signed off the migrated data this afternoon: 48,210 accounts and 1,204,311 contacts "
            "reconciled, no open defects."),
        to=(TANDEM_ACME,), envelope_to=(TANDEM_ACME,),
        body_has=("---------- Forwarded message ---------\nFrom: Leo Park <leo.park@acme.example>\n"
                  "Date: Fri, 7 Mar 2025 17:22:05 -0600\nSubject: Data migration sign-off",),
        attachments=(Attachment("Data migration sign-off.eml", "message/rfc822", -1),),  # size checked apart
    ),
    Case(
        "reply_with_quote.eml", "CAD4wN8eF2gH6jK0lM3pQ5rS7tU9vW@mail.gmail.com", "Re: Go-live checklist",
        DANA, datetime(2025, 3, 12, 11, 41, 17, tzinfo=EDT),
        "Yes — we can do the cutover on Friday evening. I'll have Leo on call.",
        to=("priya.raman@brightloom.example",), envelope_to=("priya.raman@brightloom.example",),
        body_has=("-- \nDana Whitfield", "> Can we do the cutover on Friday evening?"),
    ),
    Case(
        "outlook_reply.eml",
        "AM9PR07MB7012AA11BB22CC33DD44EE55FF66@AM9PR07MB7012.eurprd07.prod.outlook.example", "RE: Go-live date",
        KAREN, datetime(2025, 3, 18, 16, 30, 55, tzinfo=UTC),
        "Agreed, 24 March stays. I'll brief the call centre on Friday.\n\nKaren",
        to=("priya.raman@brightloom.example",),
        body_has=("-----Original Message-----", "can we confirm 24 March"),
    ),
    Case(
        "signature_only_reply.eml",
        "BY5PR11MB41968E7D6C5B4A3F2E1D0C9B8A7F@BY5PR11MB4196.namprd11.prod.outlook.example", "RE: Training materials",
        DANA, datetime(2025, 3, 20, 11, 9, 58, tzinfo=EDT),
        "",
        to=("priya.raman@brightloom.example",),
        body_has=("Best regards,\nDana Whitfield", "the training materials are on the shared drive"),
    ),
    Case(
        "multipart_alternative.eml", "20250314150205.7f3a2b1c@mx1.globex.example", "Budget approval for phase 2",
        Address("Holt, Karen", "karen.holt@globex.example"), datetime(2025, 3, 14, 11, 2, 5, tzinfo=EDT),
        "Hi Priya,\n\nThe budget for phase 2 (field service rollout) is approved: 60 additional seats from 1 April.\n"
        "Please send the revised order form to procurement@globex.example.",
        to=("priya.raman@brightloom.example",), envelope_to=(TANDEM,),
        body_has=("Best regards,\nKaren Holt\nCFO | Globex\n+1 555 0199 | karen.holt@globex.example",),
    ),
    Case(
        "html_only.eml", "CAF2mQ7kT9pL3zR5wB8nV1xJ@mail.gmail.com", "Re: Dry run results",
        TOM, datetime(2025, 3, 18, 8, 45, 9, tzinfo=CET),
        "Hi Priya,\n\nThe data migration dry run finished overnight. Results:\n\n"
        "- Accounts: 48,210 rows – all loaded\n- Contacts: 1,204,311 rows, 312 rejected (missing country)\n"
        "- Opportunities: not in scope for R&D\n\n"
        "Details are in the dry run report. We’ll fix the rejects before the final load on 20 March.",
        to=("priya.raman@brightloom.example",),
        body_has=("Cheers,\nTom", "> On Mon, Mar 17, 2025 at 9:12 AM Priya Raman",
                  "> > How did the dry run go?"),
    ),
    Case(
        "iso_8859_1.eml", "5f1e2d3c.4b5a6978@mail.acme.example", "Schulungstermine für München",
        JONAS, datetime(2025, 3, 5, 14, 10, 37, tzinfo=CET),
        "Hallo Priya,\n\ndie Schulungen in München finden am 18. und 19. März statt. Bitte bringt\n"
        "die Zugänge für 25 Anwender mit; die Räume sind reserviert.\n\nGrüße aus München\nJonas",
        to=("priya.raman@brightloom.example",),
    ),
    Case(
        "cp1252_mislabelled.eml", "000b01db8eb9$1a2b3c4d$5e6f7a8b$@acme.example", "Change order approved – phase 2",
        DANA, datetime(2025, 3, 6, 11, 20, 1, tzinfo=EST),
        "Priya,\n\nWe’re on track for go-live – the €4,500 change order is approved. “Final” sign-off is on "
        "Friday.\n\nDana",
        to=("priya.raman@brightloom.example",),
        defects=("8-bit header not utf-8, read as windows-1252", "invalid utf-8, read as windows-1252"),
    ),
    Case(
        "unknown_charset.eml", "20250321173038.3311@mail.acme.example", "Delta load window",
        LEO, datetime(2025, 3, 21, 12, 30, 38, tzinfo=EST),
        "Priya, the delta load window is Saturday 06:00–08:00 CST. Leo",
        to=("priya.raman@brightloom.example",),
        defects=("undecodable charset x-foo",),
    ),
    Case(
        "quoted_printable.eml", "20250317100058.GA4411@globex.example", "SSO certificate rotated",
        SOPHIE, datetime(2025, 3, 17, 11, 0, 58, tzinfo=CET),
        "Hi Priya,\n\nQuick update from Globex: the SSO certificate was rotated today, so the new fingerprint is "
        "3F:A2:9C:11 — please update the SAML app before Thursday’s test. The formula we use for the cut-off is "
        "start=2025-03-20 (UTC), and the test users are listed on the project page.\n\nSophie",
        to=("priya.raman@brightloom.example",),
    ),
    Case(
        "base64_body.eml",
        "BY5PR11MB4196A2B3C4D5E6F7A8B9C0D1E2F3@BY5PR11MB4196.namprd11.prod.outlook.example", "Kick-off logistics",
        DANA, datetime(2025, 3, 7, 7, 0, tzinfo=EST),
        "Hi Priya,\n\nCafé-style kick-off is booked: Tuesday 11 March, 10:00, Acme HQ room 4.12. Leo brings the "
        "migration checklist.\n\nDana",
        to=("priya.raman@brightloom.example", TANDEM_ACME), envelope_to=(TANDEM_ACME,),
        body_has=("Get Outlook for iOS",),
    ),
    Case(
        "encoded_word_subject.eml", "e8d7c6b5-a493-4821-b0fe-112233445566@globex.example",
        "Migración de datos – aprobación",  # "ó" is split between two base64 encoded words
        LUCIA, datetime(2025, 3, 12, 13, 30, 41, tzinfo=CET),
        "Hola Priya,\n\nadjunto el plan de migración aprobado.\n\nLucía",
        to=("priya.raman@brightloom.example", "jose.ibanez@globex.example"),
        attachments=(Attachment("Plan de migración.pdf", "application/pdf", 25),),
    ),
    Case(
        "with_pdf_attachment.eml", "CAD4wN8xY2zA4bC6dE8fG0hI@mail.gmail.com", "Signed SSO approval and user list",
        DANA, datetime(2025, 3, 10, 10, 15, 5, tzinfo=EDT),
        "Priya,\n\nAttached: the signed SSO approval and the first 2 admin/user accounts for the pilot.\n\nDana",
        to=("priya.raman@brightloom.example",), envelope_to=(TANDEM_ACME,),
        # the inline logo of the HTML part (multipart/related, Content-ID) is not an attachment
        attachments=(Attachment("Acme_SSO_approval_signed.pdf", "application/pdf", 77),
                     Attachment("pilot_users.csv", "text/csv", 72)),
    ),
    Case(
        "broken_boundary.eml", "1741686012.51122@mx1.globex.example", "Sandbox refresh done",
        TOM, datetime(2025, 3, 11, 10, 40, 12, tzinfo=CET),
        "Hi Priya,\n\nThe sandbox refresh is done; you can start the UAT data load tomorrow morning.\n\nTom",
        to=("priya.raman@brightloom.example",),
        defects=("invalid MIME boundary",),
    ),
    Case(
        "missing_message_id.eml", None, "Field mapping questions", LEO, datetime(2025, 3, 13, 18, 4, 55, tzinfo=EST),
        'Priya,\n\nTwo questions on the field mapping: does "Region" map to the territory field, and\n'
        "who owns the dedupe rule for contacts without an email address?\n\nLeo",
        to=("priya.raman@brightloom.example",),
        defects=("missing Message-ID",),
    ),
    Case(
        "unparseable_date.eml", "live-2025-03-24@acme.example", "We are live", DANA, None,
        "Acme is live on Brightloom as of this morning. Thanks to the whole team!",
        to=("priya.raman@brightloom.example",),
        defects=("unparseable Date",),
    ),
    Case(
        "empty_body.eml", "CAD4wN8qR5sT7uV9wX1yZ3aB@mail.gmail.com", "Kick-off call moved to 14:00",
        DANA, datetime(2025, 3, 19, 9, 55, 28, tzinfo=EDT),
        "",
        to=("priya.raman@brightloom.example",),
        defects=("empty body",),
    ),
]


def _parse(name: str) -> ParsedEmail:
    return parse_email((FIXTURES / name).read_bytes())


def test_every_fixture_has_a_case_and_a_readme_line() -> None:
    files = {path.name for path in FIXTURES.glob("*.eml")}
    assert files == {case.file for case in CASES}
    assert len(files) >= 18
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in readme for name in files | {"onboarding.mbox"})


@pytest.mark.parametrize("case", CASES, ids=[case.file for case in CASES])
def test_fixture(case: Case) -> None:
    parsed = _parse(case.file)
    assert parsed.message_id == case.message_id
    assert parsed.subject == case.subject
    assert parsed.sender == case.sender
    assert parsed.date == case.date
    if case.date is not None:
        assert parsed.date is not None and parsed.date.utcoffset() == case.date.utcoffset()
    assert tuple(a.email for a in parsed.to) == case.to
    assert tuple(a.email for a in parsed.envelope_to) == case.envelope_to
    assert parsed.clean_body == case.clean_body
    for text in case.body_has:
        assert text in parsed.body
    assert parsed.defects == case.defects
    assert [(a.filename, a.content_type) for a in parsed.attachments] == \
        [(a.filename, a.content_type) for a in case.attachments]
    for got, want in zip(parsed.attachments, case.attachments, strict=True):
        assert want.size < 0 or got.size == want.size
    if case.forwarded is None:
        assert parsed.forwarded is None
        return
    original = parsed.forwarded
    assert original is not None
    assert original.sender == case.forwarded.sender
    assert original.date == case.forwarded.date
    if case.forwarded.date is not None:
        assert original.date is not None and original.date.utcoffset() == case.forwarded.date.utcoffset()
    assert original.subject == case.forwarded.subject
    assert tuple(a.email for a in original.recipients) == case.forwarded.recipients
    assert original.body == case.forwarded.body


def test_forward_of_a_message_with_its_own_quotes_and_signature_keeps_neither() -> None:
    original = _parse("gmail_forward.eml").forwarded
    assert original is not None
    for gone in ("Best regards", "IT Director", "+1 555 0142", "Could you let us know", "wrote:"):
        assert gone not in original.body


def test_outlook_original_signature_and_disclaimer_are_cut() -> None:
    original = _parse("outlook_forward_en.eml").forwarded
    assert original is not None and "Kind regards" not in original.body and "CONFIDENTIALITY" not in original.body


def test_forward_as_attachment_lists_the_attached_message_with_its_size() -> None:
    parsed = _parse("forward_as_attachment.eml")
    (attached,) = parsed.attachments
    assert attached.content_type == "message/rfc822" and 1000 < attached.size < 2000
    assert "> Can you confirm the reconciliation numbers?" in parsed.body  # the raw forward keeps its quote
    assert parsed.forwarded is not None and "reconciliation numbers" not in parsed.forwarded.body


def test_multipart_alternative_prefers_the_plain_part() -> None:
    parsed = _parse("multipart_alternative.eml")
    assert "Sent with GlobexMail Web" not in parsed.body  # only in the HTML alternative
    assert parsed.cc == (Address("Lee, Marcus", "marcus.lee@brightloom.example"), TOM)
    assert parsed.all_recipients[0].email == TANDEM


def test_html_only_drops_head_style_and_script() -> None:
    body = _parse("html_only.eml").body
    for gone in ("font-family", "track(", "Re: Dry run results", "https://files.globex.example"):
        assert gone not in body
    assert "dry run report" in body


def test_encoded_word_names_are_decoded_and_quoted_commas_kept() -> None:
    parsed = _parse("encoded_word_subject.eml")
    assert parsed.to == (Address("Raman, Priya", "priya.raman@brightloom.example"),
                         Address("José Ibáñez", "jose.ibanez@globex.example"))


def test_iso_8859_1_and_windows_1252_bodies_decode() -> None:
    assert "Grüße aus München" in _parse("iso_8859_1.eml").body
    assert "Aprobación" in (_parse("outlook_forward_es.eml").subject or "")


def test_mbox_yields_three_mails_and_skips_the_empty_entry() -> None:
    mails = [parse_email(raw) for raw in iter_mbox(FIXTURES / "onboarding.mbox")]
    assert [mail.message_id for mail in mails] == ["mbox-1@acme.example", "mbox-2@globex.example",
                                                   "mbox-3@brightloom.example"]
    assert "From our side everything else is ready." in mails[0].clean_body  # ">From " unquoted
    assert mails[2].clean_body == "Token sent through the secure portal."


def test_mbox_missing_file() -> None:
    with pytest.raises(FileNotFoundError):
        list(iter_mbox(FIXTURES / "nope.mbox"))


# -- what raises, and what only notes a defect

MINIMAL = b"From: Dana Whitfield <dana.whitfield@acme.example>\r\nSubject: SSO\r\nMessage-ID: <m1@acme.example>\r\n"


@pytest.mark.parametrize(("raw", "reason"), [
    (b"", "empty message"),
    (b" \r\n\t\n", "empty message"),
    (b"\xef\xbb\xbf\n\n", "empty message"),
    (b"From dana@acme.example Mon Mar  3 10:00:00 2025\n", "empty message"),
    (b"just a line of text, no headers\nand another", "no email headers"),
    (b"\x00\x01\x02\xff\xfe binary junk", "no email headers"),
    (b"X-Custom: 1\n\nhello", "no email headers"),
    (b"Received: from mx.example by mx2.example; Mon, 3 Mar 2025 10:00:00 +0000\n\n",
     "nothing readable: no sender, subject, body or attachment"),
], ids=["empty", "whitespace", "bom-only", "mbox-line-only", "no-headers", "binary", "unknown-header-only",
        "nothing-readable"])
def test_unreadable_input_raises(raw: bytes, reason: str) -> None:
    with pytest.raises(EmailParseError) as error:
        parse_email(raw)
    assert str(error.value) == reason


def test_non_bytes_raise_parse_errors_and_str_is_accepted() -> None:
    with pytest.raises(EmailParseError):
        parse_email(12)  # type: ignore[arg-type]
    assert parse_email((MINIMAL + b"\r\nHi").decode()).clean_body == "Hi"


def test_headers_only_mail_parses_with_notes() -> None:
    parsed = parse_email(MINIMAL)
    assert parsed.sender == DANA and parsed.subject == "SSO" and parsed.body == ""
    assert parsed.defects == ("missing Date", "empty body")


def test_bom_blank_lines_and_mbox_line_before_the_headers_are_skipped() -> None:
    raw = b"\xef\xbb\xbf\r\nFrom dana@acme.example Mon Mar  3 10:00:00 2025\r\n" + MINIMAL + b"\r\nHello"
    assert parse_email(raw).message_id == "m1@acme.example"


def test_message_id_without_brackets_and_date_without_zone() -> None:
    parsed = parse_email(b"From: a@acme.example\nMessage-ID:  abc.123@acme.example \n"
                         b"Date: Mon, 3 Mar 2025 10:14:00\n\nx")
    assert parsed.message_id == "abc.123@acme.example"
    assert parsed.date == datetime(2025, 3, 3, 10, 14, tzinfo=UTC) and parsed.date.tzinfo is not None


def test_blank_message_id_is_none() -> None:
    parsed = parse_email(b"From: a@acme.example\nMessage-ID: <>\n\nx")
    assert parsed.message_id is None and "missing Message-ID" in parsed.defects


def test_envelope_recipients_from_all_four_headers_without_repeats() -> None:
    parsed = parse_email(b"From: a@acme.example\nDelivered-To: tandem+acme@brightloom.example\n"
                         b"X-Original-To: Tandem+Acme@brightloom.example\nX-Forwarded-To: t2@brightloom.example\n"
                         b"Envelope-To: t3@brightloom.example\nDelivered-To: t4@brightloom.example\n\nx")
    assert [a.email for a in parsed.envelope_to] == [
        "tandem+acme@brightloom.example", "t4@brightloom.example", "t2@brightloom.example", "t3@brightloom.example"]


def test_raw_utf8_header_is_read_without_a_defect() -> None:
    parsed = parse_email("From: Lucía Fernández <lucia@globex.example>\nSubject: Migración\n\nx".encode())
    assert parsed.sender == Address("Lucía Fernández", "lucia@globex.example")
    assert parsed.subject == "Migración" and parsed.defects == ("missing Message-ID", "missing Date")


def test_missing_closing_boundary_is_noted_and_the_parts_kept() -> None:
    raw = (MINIMAL + b"Content-Type: multipart/mixed; boundary=XY\r\n\r\n--XY\r\nContent-Type: text/plain\r\n\r\n"
           b"Go-live is Friday.\r\n--XY\r\nContent-Type: application/pdf; name=a.pdf\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n")
    parsed = parse_email(raw)
    assert parsed.clean_body == "Go-live is Friday."
    assert parsed.attachments == (Attachment("a.pdf", "application/pdf", 5),)
    assert "missing closing MIME boundary" in parsed.defects


def test_multipart_without_boundary_falls_back_to_its_text() -> None:
    parsed = parse_email(MINIMAL + b"Content-Type: multipart/mixed\r\n\r\nThe SCIM token is in the vault.\r\n")
    assert parsed.clean_body == "The SCIM token is in the vault."
    assert "invalid MIME boundary" in parsed.defects


def test_invalid_base64_is_noted() -> None:
    parsed = parse_email(MINIMAL + b"Content-Transfer-Encoding: base64\r\n\r\nR28tbGl2ZSBpcyBGcmlkYXk*\r\n")
    assert parsed.body.startswith("Go-live is Friday") and "invalid base64" in parsed.defects


def test_reply_quoting_a_forward_is_a_reply() -> None:
    raw = MINIMAL.replace(b"Subject: SSO", b"Subject: Re: Fwd: SSO") + (
        b"\r\nThanks, noted.\r\n\r\nOn Mon, Mar 3, 2025 at 10:14 AM Priya <priya.raman@brightloom.example> wrote:\r\n"
        b"> ---------- Forwarded message ---------\r\n> From: Leo <leo.park@acme.example>\r\n> \r\n> old\r\n")
    parsed = parse_email(raw)
    assert parsed.forwarded is None and parsed.clean_body == "Thanks, noted."


def test_outlook_header_block_with_nothing_above_is_a_forward_even_without_fw() -> None:
    raw = MINIMAL + (b"\r\nFrom: Karen Holt <karen.holt@globex.example>\r\nSent: Wednesday, March 5, 2025 4:12 PM\r\n"
                     b"To: Priya Raman <priya.raman@brightloom.example>\r\nSubject: Plan\r\n\r\nApproved.\r\n")
    parsed = parse_email(raw)
    assert parsed.forwarded is not None and parsed.forwarded.sender == KAREN
    assert parsed.forwarded.body == "Approved." and parsed.clean_body == ""


def test_html_only_outlook_forward_unwraps() -> None:
    html = (b"<html><body><p class=MsoNormal>FYI<o:p></o:p></p><div style='border-top:solid #E1E1E1 1.0pt'>"
            b"<p class=MsoNormal><b>From:</b> Karen Holt &lt;karen.holt@globex.example&gt;<br><b>Sent:</b> "
            b"Wednesday, March 5, 2025 4:12 PM<br><b>To:</b> Marcus Lee<br><b>Subject:</b> Plan</p></div>"
            b"<p class=MsoNormal>Approved.</p></body></html>")
    raw = MINIMAL.replace(b"Subject: SSO", b"Subject: FW: Plan") + b"Content-Type: text/html\r\n\r\n" + html
    parsed = parse_email(raw)
    assert parsed.clean_body == "FYI"
    assert parsed.forwarded is not None and parsed.forwarded.sender == KAREN
    assert parsed.forwarded.recipients == (Address("Marcus Lee", ""),)  # a name without an address
    assert parsed.forwarded.body == "Approved."


def test_forwarded_date_without_zone_and_no_outer_date_is_utc() -> None:
    raw = MINIMAL + (b"\r\n---------- Forwarded message ---------\r\nFrom: Karen Holt <karen.holt@globex.example>\r\n"
                     b"Date: Wed, Mar 5, 2025 at 3:40 PM\r\nSubject: x\r\n\r\nbody\r\n")
    original = parse_email(raw).forwarded
    assert original is not None and original.date == datetime(2025, 3, 5, 15, 40, tzinfo=UTC)


def test_forward_without_header_lines_still_unwraps() -> None:
    raw = MINIMAL + b"\r\nsee below\r\n\r\nBegin forwarded message:\r\n\r\nThe original text.\r\n"
    parsed = parse_email(raw)
    assert parsed.forwarded is not None and parsed.forwarded.sender is None
    assert parsed.forwarded.body == "The original text." and parsed.clean_body == "see below"


def test_surrogates_and_nuls_never_reach_the_output() -> None:
    raw = MINIMAL.replace(b"Subject: SSO", b"Subject: bad \xff\xfe \x00 bytes") + (
        b"Content-Type: text/plain; charset=utf-16\r\n\r\n\x00\xd8\x00\x00")
    parsed = parse_email(raw)
    for text in (parsed.subject or "", parsed.body):
        text.encode("utf-8")
        assert "\x00" not in text


# -- helpers

@pytest.mark.parametrize(("data", "charset", "text", "defect"), [
    (b"caf\xc3\xa9", "utf-8", "café", None),
    (b"caf\xe9", "UTF-8", "café", "invalid utf-8, read as windows-1252"),
    (b"caf\xc3\xa9 \x92", "utf-8", "café ’", "invalid utf-8, read as windows-1252"),  # mixed: both kept right
    (b"we\x92re", "us-ascii", "we’re", "8-bit text declared us-ascii, read as windows-1252"),
    (b"caf\xc3\xa9", None, "café", "8-bit text declared us-ascii, read as utf-8"),
    (b"we\x92re", "iso-8859-1", "we’re", None),  # ISO-8859-1 read as its superset windows-1252
    (b"M\xc3\xbcnchen", "iso-8859-1", "München", "utf-8 text declared iso-8859-1"),
    (b"M\xfcnchen", "iso-8859-15", "München", None),
    (b"hello", "x-foo", "hello", "undecodable charset x-foo"),
    (b"\x81\x8d", "windows-1252", "\x81\x8d", None),  # bytes 1252 leaves undefined
    (b"abc", '"utf-8"', "abc", None),
    (b"abc", "base64", "abc", "undecodable charset base64"),  # a codec, but not a text encoding
    (b"\xa4\xa4", "big5", "中", None),
    (b"\xff", "big5", "\ufffd", "invalid big5, bad bytes replaced"),
])
def test_decode_bytes(data: bytes, charset: str | None, text: str, defect: str | None) -> None:
    assert decode_bytes(data, charset) == (text, defect)


@pytest.mark.parametrize(("value", "text"), [
    ("=?UTF-8?Q?Luc=C3=ADa_Fern=C3=A1ndez?=", "Lucía Fernández"),
    ("=?utf-8?B?TWlncmFjaeKAkw==?=", "Migraci–"),
    ("=?UTF-8?B?w6k=?= =?UTF-8?B?w6k=?=", "éé"),  # whitespace between encoded words dropped
    ("=?UTF-8?B?w6k=?= and =?UTF-8?B?w6k=?=", "é and é"),
    ("=?UTF-8?B?TWlncmFjacM=?=\r\n =?UTF-8?B?s24=?=", "Migración"),  # a character split between words
    ("=?iso-8859-1*es?Q?Jos=E9?=", "José"),  # RFC 2231 language suffix
    ("=?x-foo?Q?abc?=", "abc"),
    ("=?UTF-8?B?w6k?=", "é"),  # missing padding
    ("plain text", "plain text"),
    ("half =?UTF-8?Q?open", "half =?UTF-8?Q?open"),
])
def test_decode_words(value: str, text: str) -> None:
    assert decode_words(value) == text


@pytest.mark.parametrize(("text", "dayfirst", "expected"), [
    ("Mon, 3 Mar 2025 10:14:00 +0100", False, datetime(2025, 3, 3, 10, 14, tzinfo=CET)),
    ("Mon, 3 Mar 2025 10:14:00 -0000 (UTC)", False, datetime(2025, 3, 3, 10, 14, tzinfo=UTC)),
    ("Mon, Mar 3, 2025 at 10:14 AM", False, datetime(2025, 3, 3, 10, 14, tzinfo=UTC)),
    ("Mon, Mar 3, 2025 at 10:14\u202fPM", False, datetime(2025, 3, 3, 22, 14, tzinfo=UTC)),
    ("Monday, March 3, 2025 10:14 AM", False, datetime(2025, 3, 3, 10, 14, tzinfo=UTC)),
    ("Monday, March 3, 2025 12:05 AM", False, datetime(2025, 3, 3, 0, 5, tzinfo=UTC)),
    ("3 March 2025 at 10:14:00 GMT+1", False, datetime(2025, 3, 3, 10, 14, tzinfo=CET)),
    ("March 3, 2025 at 10:14:00 AM EST", False, datetime(2025, 3, 3, 10, 14, tzinfo=EST)),
    ("2025-03-03T10:14:00Z", False, datetime(2025, 3, 3, 10, 14, tzinfo=UTC)),
    ("2025-03-03 10:14", False, datetime(2025, 3, 3, 10, 14, tzinfo=UTC)),
    ("Montag, 3. März 2025 10:14", True, datetime(2025, 3, 3, 10, 14, tzinfo=UTC)),
    ("Mo., 3. März 2025 um 10:14 Uhr", True, datetime(2025, 3, 3, 10, 14, tzinfo=UTC)),
    ("lundi 3 mars 2025 10:14", True, datetime(2025, 3, 3, 10, 14, tzinfo=UTC)),
    ("mar. 4 févr. 2025 à 10:14", True, datetime(2025, 2, 4, 10, 14, tzinfo=UTC)),  # "mar." is Tuesday here
    ("martes, 11 de marzo de 2025 9:30", True, datetime(2025, 3, 11, 9, 30, tzinfo=UTC)),
    ("dinsdag 11 maart 2025 16:20", True, datetime(2025, 3, 11, 16, 20, tzinfo=UTC)),
    ("03.04.2025 10:14", False, datetime(2025, 4, 3, 10, 14, tzinfo=UTC)),
    ("3/4/2025 10:14 AM", False, datetime(2025, 3, 4, 10, 14, tzinfo=UTC)),
    ("3/4/2025 10:14", True, datetime(2025, 4, 3, 10, 14, tzinfo=UTC)),
    ("13/4/2025", False, datetime(2025, 4, 13, tzinfo=UTC)),
    ("3 March 2025 at 10:14:00 CET", False, datetime(2025, 3, 3, 10, 14, tzinfo=CET)),
    ("sometime next week", False, None),
    ("Monday at 10:14", False, None),
    ("31 February 2025", False, None),
    ("", False, None),
])
def test_parse_date(text: str, dayfirst: bool, expected: datetime | None) -> None:
    parsed = parse_date(text, dayfirst=dayfirst)
    assert parsed == expected
    if expected is not None:
        assert parsed is not None and parsed.utcoffset() == expected.utcoffset()


def test_parse_date_uses_the_default_zone_only_without_a_zone() -> None:
    assert parse_date("Monday, March 3, 2025 10:14 AM", default_tz=PDT) == datetime(2025, 3, 3, 10, 14, tzinfo=PDT)
    assert parse_date("3 March 2025 at 10:14:00 GMT+1", default_tz=PDT).utcoffset() == timedelta(hours=1)  # type: ignore[union-attr]


@pytest.mark.parametrize(("value", "expected"), [
    ("Dana Whitfield <dana.whitfield@acme.example>", [DANA]),
    ('"Whitfield, Dana" <Dana.Whitfield@acme.example>', [Address("Whitfield, Dana", "dana.whitfield@acme.example")]),
    ("Dana Whitfield [mailto:dana.whitfield@acme.example]", [DANA]),
    ("dana.whitfield@acme.example<mailto:dana.whitfield@acme.example>", [Address("", "dana.whitfield@acme.example")]),
    ("Dana Whitfield <dana.whitfield@acme.example<mailto:dana.whitfield@acme.example>>", [DANA]),
    ("*Dana Whitfield* <dana.whitfield@acme.example>", [DANA]),
    ("Dana Whitfield <dana.whitfield@acme.example>; Leo Park <leo.park@acme.example>", [DANA, LEO]),
    ("Dana Whitfield <dana.whitfield@acme.example>, Leo Park <leo.park@acme.example>", [DANA, LEO]),
    ("dana.whitfield@acme.example, Leo Park <leo.park@acme.example>",
     [Address("", "dana.whitfield@acme.example"), LEO]),
    ("Dana Whitfield; Leo Park", [Address("Dana Whitfield", ""), Address("Leo Park", "")]),
    ("Dana Whitfield, Leo Park", [Address("Dana Whitfield", ""), Address("Leo Park", "")]),
    ("Whitfield, Dana", [Address("Whitfield, Dana", "")]),
    ("dana.whitfield@acme.example (Dana Whitfield)", [DANA]),
    ("<dana.whitfield@acme.example>", [Address("", "dana.whitfield@acme.example")]),
    ("", []),
])
def test_text_addresses(value: str, expected: list[Address]) -> None:
    assert text_addresses(value) == expected
