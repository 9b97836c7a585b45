"""Email text: signatures, forwards split off, quotes in more languages (strip_quoted_history's own cases are
in test_retrieval_chunking.py)."""

from __future__ import annotations

import pytest

from retrieval.email_text import (
    is_forward_marker,
    new_text,
    split_forward,
    strip_quoted_history,
    strip_signature,
)

SIGNATURES = [
    # (text, expected)
    ("Approved.\n\n-- \nDana Whitfield\nIT Director", "Approved."),
    ("Approved.\n--\nDana", "Approved."),
    ("Approved.\n\nSent from my iPhone", "Approved."),
    ("Approved.\n\nGet Outlook for Android", "Approved."),
    ("Approved.\n\nVon meinem iPhone gesendet", "Approved."),
    ("Approved.\n\nEnvoyé de mon iPad", "Approved."),
    ("Approved.\n\nEnviado desde mi iPhone", "Approved."),
    ("Approved.\n\nVerzonden vanaf mijn iPhone", "Approved."),
    ("Approved.\n\nBest regards,\nDana Whitfield\nIT Director | Acme Corp\n+1 555 0142", "Approved."),
    ("Approved.\n\nKind regards\n\nDana", "Approved."),
    ("Approved.\n\nThanks,\nPriya", "Approved."),
    ("Approved.\n\nThanks, Priya", "Approved."),
    ("Approved.\n\nCheers -- Tom", "Approved."),
    ("Approved.\n\nMit freundlichen Grüßen\nJonas Keller\nLeiter IT-Betrieb, Acme GmbH\nTel. +49 89 1234 5678",
     "Approved."),
    ("Validé.\n\nCordialement,\nSophie", "Validé."),
    ("Aprobado.\n\nSaludos,\nLucía", "Aprobado."),
    ("Akkoord.\n\nMet vriendelijke groet,\nDaan", "Akkoord."),
    ("Approved.\n\nRegards,\nKaren Holt\nCFO, Globex\nCONFIDENTIALITY NOTICE: This email and any attachments are "
     "for the exclusive and confidential use of the intended recipient. If you are not the intended recipient, "
     "please delete it and notify the sender immediately.", "Approved."),
    ("Best regards,\nDana Whitfield", ""),  # only a signature
    # real content is kept
    ("Thanks!", "Thanks!"),
    ("Thanks,\nDana", "Thanks,\nDana"),  # nothing above: the thanks is the message
    ("Looks good.\n\nThanks, that works for us.", "Looks good.\n\nThanks, that works for us."),
    ("Looks good.\n\nThanks for the quick turnaround on the SSO metadata.",
     "Looks good.\n\nThanks for the quick turnaround on the SSO metadata."),
    ("Best,\nDana\n\nP.S. The go-live moves to Friday.", "Best,\nDana\n\nP.S. The go-live moves to Friday."),
    ("Regards,\nDana\n\nOne more thing: the SCIM token expires on the 14th, please rotate it before then.",
     "Regards,\nDana\n\nOne more thing: the SCIM token expires on the 14th, please rotate it before then."),
    ("Best regards to the whole team for getting this live.", "Best regards to the whole team for getting this live."),
    ("Grüße aus München\nJonas", "Grüße aus München\nJonas"),
    ("Steps:\n-- step one\n-- step two", "Steps:\n-- step one\n-- step two"),
    ("Sent from my iPhone the list you asked for:\n" + "\n".join(f"item {i}" for i in range(8)),
     "\n".join(f"item {i}" for i in range(8))),  # long rest: only the footer-looking line goes
]


@pytest.mark.parametrize(("text", "expected"), SIGNATURES, ids=[str(i) for i in range(len(SIGNATURES))])
def test_strip_signature(text: str, expected: str) -> None:
    assert strip_signature(text) == expected


def test_blank_line_runs_are_collapsed() -> None:
    assert strip_signature("a\n\n\n\n\nb\n") == "a\n\nb"


GMAIL = """FYI, see below.

Thanks,
Priya

---------- Forwarded message ---------
From: Dana Whitfield <dana.whitfield@acme.example>
Date: Mon, Mar 3, 2025 at 10:14 AM
Subject: Re: SSO
To: Priya Raman <priya.raman@brightloom.example>, Marcus Lee
 <marcus.lee@brightloom.example>


Approved.

On Fri, Feb 28, 2025 at 4:51 PM Priya wrote:
> Is it approved?"""


def test_split_gmail_forward() -> None:
    split = split_forward(GMAIL, "Fwd: Re: SSO")
    assert split is not None and split.marker == "marker"
    assert split.note == "FYI, see below.\n\nThanks,\nPriya\n"
    assert split.get("from") == "Dana Whitfield <dana.whitfield@acme.example>"
    assert split.get("to") == "Priya Raman <priya.raman@brightloom.example>, Marcus Lee <marcus.lee@brightloom.example>"
    assert split.get("subject") == "Re: SSO" and split.get("cc") is None
    assert split.body.startswith("Approved.") and "Is it approved?" in split.body
    assert new_text(split.body) == "Approved." and new_text(split.note) == "FYI, see below."


@pytest.mark.parametrize(("body", "subject", "sender", "date_label"), [
    ("x\n\n-----Original Message-----\nFrom: Dana [mailto:d@acme.example]\nSent: Monday\nTo: P\nSubject: S\n\nb",
     "FW: S", "Dana [mailto:d@acme.example]", "Sent"),
    ("x\n\n________________________________\nVon: Jonas <j@acme.example>\nGesendet: Montag\nAn: P\nBetreff: S\n\nb",
     "WG: S", "Jonas <j@acme.example>", "Gesendet"),
    ("x\n\n________________________________\nDe : Sophie <s@globex.example>\nEnvoyé : lundi\nÀ : P\nObjet : S\n\nb",
     "TR: S", "Sophie <s@globex.example>", "Envoyé"),
    ("x\n\nDe: Lucía <l@globex.example>\nEnviado el: martes\nPara: P\nAsunto: S\n\nb",
     "RV: S", "Lucía <l@globex.example>", "Enviado el"),
    ("x\n\nVan: Daan <d@globex.example>\nVerzonden: dinsdag\nAan: P\nOnderwerp: S\n\nb",
     "FW: S", "Daan <d@globex.example>", "Verzonden"),
    ("x\n\n*From:* Dana <d@acme.example>\n*Sent:* Monday\n*To:* P\n*Subject:* S\n\nb",
     "Fwd: S", "Dana <d@acme.example>", "Sent"),
    ("x\n\nBegin forwarded message:\n\nFrom: Dana <d@acme.example>\nSubject: S\nDate: 3 March 2025\nTo: P\n\nb",
     None, "Dana <d@acme.example>", "Date"),
    ("x\n\nAnfang der weitergeleiteten Nachricht:\n\nVon: Dana <d@acme.example>\nBetreff: S\nDatum: 3. März\n\nb",
     None, "Dana <d@acme.example>", "Datum"),
    ("x\n\n-------- Forwarded Message --------\nSubject: \tS\nDate: \tMon\nFrom: \tDana <d@acme.example>\n\n\nb",
     None, "Dana <d@acme.example>", "Date"),
    ("x\n\n---------- Weitergeleitete Nachricht ---------\nVon: Dana <d@acme.example>\nDate: Mo.\n\nb",
     None, "Dana <d@acme.example>", "Date"),
    ("x\n\n---------- Message transféré ---------\nDe : Dana <d@acme.example>\nDate : lun.\n\nb",
     None, "Dana <d@acme.example>", "Date"),
    # an Outlook header block with nothing above it is a forward whatever the subject
    ("From: Dana <d@acme.example>\nSent: Monday\nTo: P\nSubject: S\n\nb", None, "Dana <d@acme.example>", "Sent"),
], ids=["original-message", "de", "fr", "es", "nl", "bold", "apple", "apple-de", "thunderbird", "gmail-de",
        "gmail-fr", "header-first"])
def test_split_forward_styles(body: str, subject: str | None, sender: str, date_label: str) -> None:
    split = split_forward(body, subject)
    assert split is not None
    assert split.get("from") == sender and split.label("date") == date_label
    assert split.body == "b"
    assert split.get("subject") == "S" or "Subject" not in body


@pytest.mark.parametrize(("body", "subject"), [
    ("Plain mail, nothing quoted.", None),
    ("Yes.\n\nOn Mon, Mar 3, 2025 at 10:14 AM Dana <d@acme.example> wrote:\n> ---------- Forwarded message "
     "---------\n> From: X <x@acme.example>", "Re: Fwd: S"),
    ("Option B.\n\nFrom: Dan <d@x.example>\nSent: Thursday\nTo: R\nSubject: CR\n\nold", "RE: CR"),
    ("Option B.\n\n-----Original Message-----\nFrom: Dan <d@x.example>\nSent: Thursday\n\nold", None),
    ("Sí.\n\nEl lun, 3 mar 2025 a las 10:14, Lucía (<l@globex.example>) escribió:\n> ¿Vale?", None),
    ("Ja.\n\nOp ma 3 mrt 2025 om 10:14 schreef Daan <d@globex.example>:\n> Oké?", None),
    ("Ok.\n\nDana <d@acme.example> wrote:\n> Is it ok?", None),
    ("> ---------- Forwarded message ---------\n> From: X <x@acme.example>\n\nreply under a quoted forward", None),
], ids=["plain", "reply-quoting-a-forward", "outlook-reply", "original-message-reply", "es-reply", "nl-reply",
        "wrote-without-on", "quoted-marker"])
def test_not_a_forward(body: str, subject: str | None) -> None:
    assert split_forward(body, subject) is None


def test_new_text_cuts_quotes_forwards_and_signature() -> None:
    assert new_text(GMAIL) == "FYI, see below."
    assert new_text("Sí.\n\nEl lun, 3 mar 2025 a las 10:14, Lucía escribió:\n> ¿Vale?") == "Sí."
    assert new_text("Ja.\n\nOp ma 3 mrt 2025 om 10:14 schreef Daan\n<d@globex.example>:\n> Oké?") == "Ja."
    assert new_text("Top.\n> inline quote\nMore.\n\nSent from my iPhone") == "Top.\nMore."


def test_strip_quoted_history_keeps_its_default_and_can_cut_signatures() -> None:
    assert strip_quoted_history("Approved.\n\nBest regards,\nDana") == "Approved.\n\nBest regards,\nDana"
    out = strip_quoted_history(GMAIL, "Fwd: Re: SSO", signatures=True)
    assert out.startswith("FYI, see below.\n\nFrom: Dana Whitfield") and "Thanks," not in out
    assert "Approved." in out and "Is it approved" not in out and "To: Priya" not in out


def test_strip_quoted_history_knows_more_forward_subjects() -> None:
    body = "Ver abajo.\n\nDe: Lucía <l@globex.example>\nEnviado el: martes\nPara: P\nAsunto: S\n\nAprobado."
    assert "Aprobado." in strip_quoted_history(body, "RV: S")
    assert "Aprobado." not in strip_quoted_history(body, "RE: S")


@pytest.mark.parametrize(("line", "expected"), [
    ("---------- Forwarded message ---------", True),
    ("-------- Forwarded Message --------", True),
    ("Begin forwarded message:", True),
    ("Début du message réexpédié :", True),
    ("---------- Mensaje reenviado ---------", True),
    ("---------- Doorgestuurd bericht ---------", True),
    ("-----Original Message-----", False),  # a reply marker as often as a forward one
    ("I forwarded the message yesterday", False),
])
def test_is_forward_marker(line: str, expected: bool) -> None:
    assert is_forward_marker(line) is expected
