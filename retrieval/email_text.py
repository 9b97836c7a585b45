"""An email body without its quoted history or signature; forwarded originals found and split off.

Three uses:

- `strip_quoted_history(body, subject)`: what the chunker indexes for an email source. Quoted replies are cut,
  "> " lines dropped, a forwarded original is content and is kept (its header minus To/Cc, then its own new
  text). With `signatures=True` the signatures of both parts are cut too.
- `new_text(body)`: the author's own words only: quoted history and any forwarded part cut, then the signature.
- `split_forward(body, subject)`: a forward split into the forwarder's note, the original's header lines and
  the original's body (Gmail, Outlook in several languages, Apple Mail, Thunderbird), or None for a reply or
  plain mail.

Pure text functions, no email parsing: the MIME side is `bot.email.parse`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# -- header labels of quoted / forwarded header blocks, by meaning (English, German, French, Spanish, Dutch,
# Italian, Portuguese). Labels may be written "*From:*" (bold turned into text) and French puts a space before
# the colon ("De :").
_FROM_LABELS = ("from", "von", "de", "van", "da")
_DATE_LABELS = ("sent", "date", "gesendet", "datum", "envoyé", "enviado", "enviado el", "fecha", "verzonden",
                "verstuurd", "inviato", "data")
_TO_LABELS = ("to", "an", "à", "a", "para", "aan", "per")
_CC_LABELS = ("cc", "kopie", "copie", "bcc", "cci")
_SUBJECT_LABELS = ("subject", "betreff", "objet", "asunto", "onderwerp", "oggetto", "assunto")
_OTHER_LABELS = ("reply-to", "reply to", "antwort an", "répondre à", "responder a", "beantwoorden",
                 "attachments", "anlagen", "pièces jointes", "datos adjuntos", "bijlagen", "importance",
                 "wichtigkeit", "priority")
_KEYS = {
    **{label: "from" for label in _FROM_LABELS},
    **{label: "date" for label in _DATE_LABELS},
    **{label: "to" for label in _TO_LABELS},
    **{label: "cc" for label in _CC_LABELS},
    **{label: "subject" for label in _SUBJECT_LABELS},
    **{label: "other" for label in _OTHER_LABELS},
}


def _alternatives(labels: tuple[str, ...] | list[str]) -> str:
    return "|".join(re.escape(label).replace(r"\ ", r"\s+") for label in sorted(labels, key=len, reverse=True))


def _label_pattern(labels: tuple[str, ...] | list[str]) -> re.Pattern[str]:
    return re.compile(rf"^\s*\*{{0,2}}(?:{_alternatives(labels)})\*{{0,2}}\s*:", re.I)


_FORWARD_MARKER = re.compile(
    r"^\s*(-{2,}\s*(forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado|"
    r"doorgestuurd bericht|messaggio inoltrato|mensagem encaminhada)\s*-{2,}|"
    r"(begin forwarded message|anfang der weitergeleiteten nachricht|début du message réexpédié|"
    r"inicio del mensaje reenviado|begin doorgestuurd bericht|inizio messaggio inoltrato|"
    r"início da mensagem reencaminhada)\s*:)",
    re.I,
)
_ORIGINAL_MARKER = re.compile(
    r"^\s*-{3,}\s*(original message|ursprüngliche nachricht|message d'origine|message d’origine|"
    r"mensaje original|oorspronkelijk bericht|messaggio originale|mensagem original)\s*-{3,}\s*$",
    re.I,
)
_SEPARATOR = re.compile(r"^\s*_{10,}\s*$")
_WROTE = re.compile(
    r"^\s*(on\s.+\bwrote|am\s.+\bschrieb.*|le\s.+\ba écrit|el\s.+\bescribió|op\s.+\bschreef.*|"
    r"il\s.+\bha scritto|em\s.+\bescreveu)\s*:\s*$",
    re.I,
)
_WROTE_START = re.compile(r"^\s*(on|am|le|el|op|il|em)\s", re.I)
_WROTE_END = re.compile(r"\b(wrote|schrieb|a écrit|escribió|schreef|ha scritto|escreveu)\s*:\s*$", re.I)
_WROTE_VERB = re.compile(r"\b(schrieb|schreef|escribió|a écrit|ha scritto|escreveu)\b", re.I)
_ADDRESS_COLON = re.compile(r"^\s*<?[^\s<>]+@[^\s<>]+>?\s*:\s*$")  # "<dana@acme.example>:" ending a wrapped line
# "Dana <dana@acme.example> wrote:" or "03.03.2025 10:14, Dana wrote:" (no leading "On")
_WROTE_OTHER = re.compile(
    r"^\s*\S.{0,200}(<[^<>\s]+@[^<>\s]+>|\d{1,2}:\d{2}).{0,120}\b(wrote|schrieb|a écrit|escribió|schreef)\s*:\s*$",
    re.I,
)
_HEADER_FROM = _label_pattern(_FROM_LABELS)
_HEADER_NEXT = _label_pattern(_DATE_LABELS)
_HEADER_ANY = _label_pattern(list(_KEYS))
_DROP_HEADER = _label_pattern(_TO_LABELS + _CC_LABELS)
_HEADER_LINE = re.compile(
    rf"^\s*\*{{0,2}}(?P<label>{_alternatives(list(_KEYS))})\*{{0,2}}\s*:\s*\*{{0,2}}[ \t]*(?P<value>.*?)\s*$", re.I
)
_FORWARD_SUBJECT = re.compile(r"^\s*((fw|fwd|wg|tr|rv|enc|doorst)\s*:\s*)", re.I)

# -- signatures
_SIG_DELIMITER = re.compile(r"^-- ?$")
_MOBILE = re.compile(
    r"^\s*(sent from my\s|sent from (outlook|mail for windows|yahoo mail|samsung|my phone)\b|sent with\s|"
    r"get outlook for (ios|android)\b|von meinem\s.*\bgesendet|gesendet von meinem\s|envoyé de mon\s|"
    r"envoyé depuis mon\s|enviado desde mi\s|verzonden (vanaf|met) mijn\s|inviato da\s|enviado do meu\s)",
    re.I,
)
_THANKS = r"thanks(\s+(again|so\s+much|a\s+lot|all|both))?|thank\s+you(\s+(very\s+much|again|all|both))?|" \
    r"many\s+thanks|thx|ty|merci(\s+beaucoup)?|danke(\s+schön)?|vielen\s+dank|gracias|muchas\s+gracias|" \
    r"bedankt|dank\s+je(wel)?|grazie"
_REGARDS = r"best\s+regards|kind\s+regards|warm\s+regards|warmest\s+regards|regards|best\s+wishes|best|" \
    r"all\s+the\s+best|cheers|sincerely|yours\s+sincerely|yours\s+truly|respectfully|talk\s+soon|speak\s+soon|" \
    r"br|mfg|mit\s+freundlichen\s+grüßen|mit\s+freundlichen\s+grüssen|freundliche\s+grüße|viele\s+grüße|" \
    r"beste\s+grüße|liebe\s+grüße|herzliche\s+grüße|schöne\s+grüße|gruß|grüße|cordialement|" \
    r"bien\s+cordialement|bien\s+à\s+vous|salutations|meilleures\s+salutations|saludos|un\s+saludo|" \
    r"saludos\s+cordiales|un\s+cordial\s+saludo|atentamente|met\s+vriendelijke\s+groet(en)?|" \
    r"vriendelijke\s+groet(en)?|groeten|groet|hartelijke\s+groet(en)?|distinti\s+saluti|cordiali\s+saluti|" \
    r"cumprimentos|atenciosamente"
# A sign-off line: the phrase alone, or followed by a name ("Thanks, Priya", "Best -- Dana").
_NAME = r"(?-i:[A-ZÀ-Þ][\w'’.-]*|[A-Z]\.)(\s+(?-i:[A-ZÀ-Þ][\w'’.-]*|[A-Z]\.)){0,2}"
_SIGNOFF = re.compile(
    rf"^\s*(?:(?P<thanks>{_THANKS})|(?P<regards>{_REGARDS}))\s*[,.!]*\s*((-{{1,2}}|—|–|,)?\s*{_NAME}\s*[.!]?)?\s*$",
    re.I,
)
_DISCLAIMER = re.compile(
    r"^\s*(confidential|confidentiality|disclaimer|this (e-?mail|message) (and any|is|may|contains)|"
    r"the information (contained|in this)|diese (e-?mail|nachricht) (enthält|kann)|ce (message|courriel))",
    re.I,
)
_POSTSCRIPT = re.compile(r"^\s*p\.?\s?s\.?\b", re.I)
_WORD = re.compile(r"\S+")


def is_forward_marker(line: str) -> bool:
    """True for a line that opens a forwarded message (Gmail, Apple Mail, Thunderbird; several languages)."""
    return bool(_FORWARD_MARKER.match(line))


def is_forward_subject(subject: str | None) -> bool:
    """True for a subject starting with a forward prefix (Fwd:, FW:, WG:, TR:, RV:, ENC:)."""
    return bool(subject and _FORWARD_SUBJECT.match(subject))


def _is_outlook_header(lines: list[str], i: int) -> bool:
    if not _HEADER_FROM.match(lines[i]):
        return False
    return any(_HEADER_NEXT.match(line) for line in lines[i + 1 : i + 4])


def _quote_kind(lines: list[str], i: int) -> str | None:
    """"wrote" for a reply attribution line, "header" for a quoted header block, None otherwise."""
    line = lines[i]
    if _WROTE.match(line) or _WROTE_OTHER.match(line):
        return "wrote"
    if _WROTE_START.match(line) and i + 1 < len(lines) and (
            _WROTE_END.search(lines[i + 1]) or (_WROTE_VERB.search(line) and _ADDRESS_COLON.match(lines[i + 1]))):
        return "wrote"
    if _ORIGINAL_MARKER.match(line) or _is_outlook_header(lines, i):
        return "header"
    if _SEPARATOR.match(line) and i + 1 < len(lines) and _HEADER_FROM.match(lines[i + 1]):
        return "header"
    return None


def _quote_start(lines: list[str], i: int) -> bool:
    return _quote_kind(lines, i) is not None


def _forwarded_body(lines: list[str], signatures: bool) -> list[str]:
    """The forwarded part from its header on: header kept (minus To/Cc), then its own body, stripped."""
    out: list[str] = []
    i = 0
    while i < len(lines) and (not lines[i].strip() or _HEADER_ANY.match(lines[i]) or _SEPARATOR.match(lines[i])
                              or _ORIGINAL_MARKER.match(lines[i]) or _FORWARD_MARKER.match(lines[i])):
        if _HEADER_ANY.match(lines[i]) and not _DROP_HEADER.match(lines[i]):
            out.append(lines[i].strip())
        i += 1
    return out + _strip(lines[i:], forward=False, signatures=signatures)


def _strip(lines: list[str], *, forward: bool, signatures: bool) -> list[str]:
    out: list[str] = []
    for i, line in enumerate(lines):
        if _FORWARD_MARKER.match(line) or (forward and _quote_start(lines, i)):
            return _signed(out, signatures) + [""] + _forwarded_body(lines[i:], signatures)
        if _quote_start(lines, i):
            return _signed(out, signatures)
        if not line.lstrip().startswith(">"):
            out.append(line)
    return _signed(out, signatures)


def _signed(lines: list[str], signatures: bool) -> list[str]:
    return strip_signature("\n".join(lines)).splitlines() if signatures else lines


def _tidy(text: str) -> str:
    text = "\n".join(line.rstrip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def strip_quoted_history(body: str, subject: str | None = None, *, signatures: bool = False) -> str:
    """The new text of an email: quoted replies cut, "> " lines dropped, forwarded originals kept.

    A forward is recognised by an explicit forward marker, or by a subject starting with FW/Fwd/WG,
    in which case the first quoted header starts the forwarded original instead of a quote.
    With `signatures`, the sender's signature (see `strip_signature`) and the original's are cut as well.
    """
    forward = is_forward_subject(subject)
    lines = _strip(body.splitlines(), forward=forward, signatures=signatures)
    return _tidy("\n".join(lines))


def new_text(body: str) -> str:
    """The author's own words: quoted history and any forwarded part cut, "> " lines dropped, signature cut."""
    lines = body.splitlines()
    out: list[str] = []
    for i, line in enumerate(lines):
        if _FORWARD_MARKER.match(line) or _quote_start(lines, i):
            break
        if not line.lstrip().startswith(">"):
            out.append(line)
    return strip_signature("\n".join(out))


# -- signatures


def _words(line: str) -> int:
    return len(_WORD.findall(line))


def _content_line(line: str) -> bool:
    """A line that reads like a sentence of content rather than a signature line (name, title, phone...)."""
    stripped = line.strip()
    words = _words(stripped)
    if _POSTSCRIPT.match(stripped) or len(stripped) > 100 or words > 14:
        return True
    return words >= 6 and stripped[-1:] in ".!?:"


def _signature_tail(lines: list[str]) -> bool:
    """True when these lines (after a sign-off) look like a signature block: short name / title / contact lines."""
    nonblank = 0
    for line in lines:
        if not line.strip():
            continue
        if _DISCLAIMER.match(line) or _MOBILE.match(line) or _SIG_DELIMITER.match(line):
            return True  # what follows is boilerplate
        nonblank += 1
        if nonblank > 10 or _content_line(line):
            return False
    return True


def _nonblank_after(lines: list[str]) -> list[int]:
    """For each index i (and len(lines)), how many non-blank lines there are from i on."""
    after = [0] * (len(lines) + 1)
    for i in range(len(lines) - 1, -1, -1):
        after[i] = after[i + 1] + (1 if lines[i].strip() else 0)
    return after


def strip_signature(text: str) -> str:
    """The text without its trailing signature.

    Cut, in this order: a "-- " delimiter line and all after it ("--" without the space only when at most 15
    lines follow); a mobile footer ("Sent from my iPhone", "Get Outlook for iOS", localised) with at most 4
    lines after it (otherwise just that line); a sign-off line ("Best regards,", "Thanks, Priya", "Mit
    freundlichen Grüßen") when every non-blank line after it is signature-like (at most 10 short lines that do
    not read as sentences, or a disclaimer). A "thanks" sign-off is only cut below other text, so a reply that
    says nothing but "Thanks!" keeps it.
    """
    lines: list[str] = []
    for line in text.splitlines():  # runs of blank lines as one: the output is tidied that way anyway
        if line.strip() or (lines and lines[-1].strip()):
            lines.append(line)
    after = _nonblank_after(lines)
    for i, line in enumerate(lines):
        if line == "-- " or (_SIG_DELIMITER.match(line.strip()) and after[i + 1] <= 15):
            lines = lines[:i]
            break
    after = _nonblank_after(lines)
    for i, line in enumerate(lines):
        if _MOBILE.match(line) and len(line.strip()) <= 80:
            lines = lines[:i] if after[i + 1] <= 4 else lines[:i] + lines[i + 1 :]
            break
    first_text = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    for i, line in enumerate(lines):
        match = _SIGNOFF.match(line)
        if not match or (match.group("thanks") and i <= first_text) or not _signature_tail(lines[i + 1 : i + 40]):
            continue
        lines = lines[:i]
        break
    return _tidy("\n".join(lines))


# -- forwards


@dataclass(frozen=True)
class ForwardSplit:
    """A forward taken apart: the forwarder's note, the original's header lines and the original's body.

    `headers` holds (key, label, value) in order, key one of "from", "date", "to", "cc", "subject", "other";
    the label is as written ("From", "Von", "Envoyé"...). Texts are unstripped: the caller cleans them.
    """

    note: str
    headers: tuple[tuple[str, str, str], ...]
    body: str
    marker: str

    def get(self, key: str) -> str | None:
        """The first header value with this key, or None."""
        return next((value for k, _, value in self.headers if k == key), None)

    def label(self, key: str) -> str | None:
        """The label the first header with this key was written with, or None."""
        return next((label for k, label, _ in self.headers if k == key), None)


def _forward_start(lines: list[str], subject: str | None) -> tuple[int, str] | None:
    forward_subject = is_forward_subject(subject)
    for i, line in enumerate(lines):
        if line.lstrip().startswith(">"):
            continue
        if _FORWARD_MARKER.match(line):
            return i, "marker"
        kind = _quote_kind(lines, i)
        if kind == "wrote":
            return None
        if kind == "header":
            # An Outlook-style header block starts a forward under a forward subject, or when nothing is above it.
            if forward_subject or not any(earlier.strip() for earlier in lines[:i]):
                return i, "header"
            return None
    return None


def _continues(line: str, previous_key: str, previous_value: str) -> bool:
    """A wrapped continuation of a recipient list (or a long From) in a forwarded header block."""
    if previous_key not in ("to", "cc", "from"):
        return False
    return line[:1] in (" ", "\t") or "@" in line or previous_value.rstrip().endswith((",", ";"))


def split_forward(body: str, subject: str | None = None) -> ForwardSplit | None:
    """The outermost forward in this body, or None when the body is not a forward (plain mail or a reply).

    A forward starts at an explicit marker ("---------- Forwarded message ---------", "Begin forwarded
    message:", "-------- Forwarded Message --------", localised) on an unquoted line, or at an Outlook header
    block ("From: … Sent: …", optionally after "-----Original Message-----" or an underscore line) when the
    subject is a forward (FW:, Fwd:, WG:, TR:, RV:) or no text is above it. An "On … wrote:" line first means a
    reply: None.
    """
    lines = body.splitlines()
    found = _forward_start(lines, subject)
    if found is None:
        return None
    start, marker = found
    j = start
    while j < len(lines) and (not lines[j].strip() or _FORWARD_MARKER.match(lines[j])
                              or _ORIGINAL_MARKER.match(lines[j]) or _SEPARATOR.match(lines[j])):
        j += 1
    headers: list[tuple[str, str, str]] = []
    while j < len(lines):
        line = lines[j]
        match = _HEADER_LINE.match(line)
        if match:
            label = match.group("label")
            key = _KEYS.get(re.sub(r"\s+", " ", label.lower()), "other")
            headers.append((key, label, match.group("value").strip("* \t")))
        elif not line.strip():
            break
        elif headers and _continues(line, headers[-1][0], headers[-1][2]):
            key, label, value = headers[-1]
            headers[-1] = (key, label, f"{value} {line.strip()}")
        else:
            break
        j += 1
    return ForwardSplit(
        note="\n".join(lines[:start]),
        headers=tuple(headers),
        body="\n".join(lines[j:]).strip("\n"),
        marker=marker,
    )
