"""Raw RFC 822 / MIME mail into a `ParsedEmail`: headers and body decoded leniently, forwards unwrapped.

The structure is read with the standard library's `email` package under the `compat32` policy, which never
raises on malformed structure and keeps undecodable header bytes; everything on top of it (header and charset
decoding, body choice, forwards) is done here, each step falling back rather than failing, with a note in
`defects`.

What raises `EmailParseError` (see `parse_email`): only input that is not an email at all. Everything else
parses, possibly with an empty body and notes such as "invalid MIME boundary" or "undecodable charset x-foo".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import tzinfo
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32

from bot.email.charsets import clean_text, decode_bytes, decode_words, unfold
from bot.email.dates import from_rfc2822, parse_date
from bot.email.headers import Headers, dedupe, message_id_of, text_addresses
from bot.email.html_text import html_to_text
from bot.email.message import Address, Attachment, EmailParseError, ForwardedOriginal, ParsedEmail
from retrieval.email_text import ForwardSplit, new_text, split_forward

# -- defects, as recorded in ParsedEmail.defects
INVALID_BOUNDARY = "invalid MIME boundary"
MISSING_CLOSE_BOUNDARY = "missing closing MIME boundary"
MISSING_MESSAGE_ID = "missing Message-ID"
MISSING_SENDER = "missing From"
MISSING_DATE = "missing Date"
UNPARSEABLE_DATE = "unparseable Date"
EMPTY_BODY = "empty body"

_MAX_DEPTH = 30  # MIME nesting / attached messages / nested forwards followed at most this deep
_MAIL_HEADERS = {
    "from", "sender", "to", "cc", "bcc", "subject", "date", "message-id", "reply-to", "in-reply-to", "references",
    "received", "return-path", "mime-version", "content-type", "content-transfer-encoding", "delivered-to",
    "x-original-to", "x-forwarded-to", "envelope-to", "resent-from", "resent-to", "resent-date",
    "resent-message-id", "dkim-signature", "x-mailer", "user-agent", "thread-topic", "thread-index",
}
_ENVELOPE_HEADERS = ("delivered-to", "x-original-to", "x-forwarded-to", "envelope-to")
_SIGNATURE_TYPES = {"application/pgp-signature", "application/pkcs7-signature", "application/x-pkcs7-signature"}
_DEFECT_NAMES = {
    "StartBoundaryNotFoundDefect": INVALID_BOUNDARY,
    "NoBoundaryInMultipartDefect": INVALID_BOUNDARY,
    "CloseBoundaryNotFoundDefect": MISSING_CLOSE_BOUNDARY,
    "MultipartInvariantViolationDefect": INVALID_BOUNDARY,
    "InvalidMultipartContentTransferEncodingDefect": "invalid transfer encoding on a multipart",
    "FirstHeaderLineIsContinuationDefect": "malformed header",
    "MissingHeaderBodySeparatorDefect": "malformed header",
    "MisplacedEnvelopeHeaderDefect": "malformed header",
    "InvalidHeaderDefect": "malformed header",
    "InvalidBase64PaddingDefect": "invalid base64",
    "InvalidBase64CharactersDefect": "invalid base64",
    "InvalidBase64LengthDefect": "invalid base64",
}


# -- MIME content


@dataclass
class _Content:
    texts: list[str] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)
    attachments: list[Attachment] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)

    def merge(self, other: _Content) -> None:
        self.texts += other.texts
        self.kinds |= other.kinds
        self.attachments += other.attachments
        self.messages += other.messages


def _content_type(part: Message) -> str:
    try:
        return clean_text(part.get_content_type()).lower()
    except Exception:
        return "text/plain"


def _param(part: Message, name: str) -> str | None:
    try:
        value = part.get_param(name)
    except Exception:
        return None
    if isinstance(value, tuple):
        value = value[2]
    return None if value is None else clean_text(str(value))


def _filename(part: Message, defects: list[str]) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name is None:
        name = _param(part, "name")
    if not name:
        return ""
    return clean_text(decode_words(unfold(str(name)), defects)).strip().strip("\"'")


def _payload_bytes(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    try:
        payload = part.get_payload()
        return payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
    except Exception:
        return b""


def _unflow(text: str, delsp: bool) -> str:
    """RFC 3676 format=flowed: soft-broken lines joined, space-stuffing removed."""
    out: list[str] = []
    carry: tuple[int, str] | None = None
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]
        if carry is not None and carry[0] == depth:
            content = carry[1] + content
        elif carry is not None:
            out.append(">" * carry[0] + (" " if carry[0] else "") + carry[1])
        carry = None
        if content.endswith(" ") and content != "-- ":
            carry = (depth, content[:-1] if delsp else content)
            continue
        out.append(">" * depth + (" " if depth and content else "") + content)
    if carry is not None:
        out.append(">" * carry[0] + (" " if carry[0] else "") + carry[1])
    return "\n".join(out)


def _text_of(part: Message, ctype: str, defects: list[str]) -> str:
    data = _payload_bytes(part)
    charset = _param(part, "charset")
    text, note = decode_bytes(data, charset)
    if note:
        defects.append(note)
    text = clean_text(text).replace("\r\n", "\n").replace("\r", "\n")
    if ctype == "text/html":
        text = html_to_text(text)
    elif (_param(part, "format") or "").lower() == "flowed":
        text = _unflow(text, (_param(part, "delsp") or "").lower() == "yes")
    return text


def _size(part: Message) -> int:
    return len(_payload_bytes(part))


def _message_size(message: Message) -> int:
    try:
        return len(message.as_bytes())
    except Exception:
        try:
            return len(str(message).encode("utf-8", "surrogateescape"))
        except Exception:
            return 0


def _salvage(part: Message, defects: list[str]) -> Message | None:
    """A multipart whose declared boundary is missing or wrong, re-read with the boundary its parts really use."""
    payload = part.get_payload()
    if not isinstance(payload, str):
        return None
    boundaries = re.findall(r"^--([^\s-][^\s]{0,199}?)(?:--)?[ \t]*$", payload, re.M)
    for boundary in dict.fromkeys(boundaries):
        if not re.search(rf"^--{re.escape(boundary)}[ \t]*\r?\n[\w-]+:", payload, re.M):
            continue
        header = f'Content-Type: {_content_type(part)}; boundary="{boundary}"\n\n'.encode()
        try:
            salvaged = BytesParser(policy=compat32).parsebytes(header + payload.encode("utf-8", "surrogateescape"))
        except Exception:
            continue
        if salvaged.is_multipart():
            return salvaged
    return None


def _walk(part: Message, out: _Content, defects: list[str], depth: int, in_related: bool = False) -> None:
    if depth > _MAX_DEPTH:
        defects.append("MIME nesting too deep")
        return
    ctype = _content_type(part)
    maintype = ctype.partition("/")[0]
    if ctype in ("message/rfc822", "message/global"):
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload and isinstance(payload[0], Message) else None
        if inner is not None:
            out.messages.append(inner)
            subject = Headers.of(inner).text("subject") or "forwarded message"
            name = _filename(part, defects) or f"{subject}.eml"
            out.attachments.append(Attachment(name, ctype, _message_size(inner)))
        return
    if part.is_multipart():
        children = [child for child in part.get_payload() if isinstance(child, Message)]
        if ctype == "multipart/alternative":
            _alternative(children, out, defects, depth)
            return
        for child in children:
            _walk(child, out, defects, depth + 1, in_related=ctype == "multipart/related")
        return
    if maintype == "multipart":
        salvaged = _salvage(part, defects)
        if salvaged is not None:
            _walk(salvaged, out, defects, depth + 1)
            return
        ctype = "text/plain"  # no readable parts: the raw body is the text
    if ctype in _SIGNATURE_TYPES:
        return
    try:
        disposition = part.get_content_disposition()
    except Exception:
        disposition = None
    filename = _filename(part, defects)
    if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
        out.texts.append(_text_of(part, ctype, defects))
        out.kinds.add("plain" if ctype == "text/plain" else "html")
        return
    if in_related and maintype == "image" and disposition != "attachment" and part.get("content-id"):
        return  # an image the HTML shows inline (a logo, a pasted picture), not an attachment
    if maintype == "message" or ctype.startswith("multipart/"):
        ctype = ctype if maintype == "message" else "application/octet-stream"
    out.attachments.append(Attachment(filename, ctype, _size(part)))


def _alternative(children: list[Message], out: _Content, defects: list[str], depth: int) -> None:
    """multipart/alternative: the plain text version when it has text, else the HTML one, else the last."""
    options = []
    for child in children:
        option = _Content()
        _walk(child, option, defects, depth + 1)
        options.append(option)
    readable = [option for option in options if any(text.strip() for text in option.texts)]
    chosen = (next((option for option in readable if "plain" in option.kinds), None)
              or next((option for option in reversed(readable) if "html" in option.kinds), None)
              or (readable[-1] if readable else (options[-1] if options else None)))
    if chosen is not None:
        out.merge(chosen)


# -- the message


def _prepare(raw: bytes) -> bytes:
    """Leading BOM, blank lines and an mbox "From " line removed."""
    data = raw.removeprefix(b"\xef\xbb\xbf").lstrip(b"\r\n\t ")
    if data.startswith(b"From "):
        data = data.partition(b"\n")[2]
    return data


def _read_structure(data: bytes) -> Message:
    message = BytesParser(policy=compat32).parsebytes(data)
    if not message.keys():
        # one garbage line before the headers (a stray envelope or banner line): try without it
        rest = data.partition(b"\n")[2]
        if re.match(rb"[!-9;-~]+:", rest):
            retry = BytesParser(policy=compat32).parsebytes(rest)
            if retry.keys():
                return retry
    return message


def _defects_of(message: Message, depth: int = 0) -> list[str]:
    """The email package's defect notes for this message and its parts, not those of attached messages."""
    notes = [_DEFECT_NAMES[type(d).__name__] for d in getattr(message, "defects", []) if type(d).__name__ in _DEFECT_NAMES]
    if message.is_multipart() and _content_type(message).partition("/")[0] != "message" and depth < _MAX_DEPTH:
        for part in message.get_payload():
            if isinstance(part, Message):
                notes += _defects_of(part, depth + 1)
    return notes


def _render_addresses(addresses: Iterable[Address]) -> str:
    return ", ".join(f"{a.name} <{a.email}>" if a.name and a.email else (a.email or a.name) for a in addresses)


def _forward_block(inner: ParsedEmail, date_text: str | None) -> str:
    lines = ["---------- Forwarded message ---------"]
    if inner.sender:
        lines.append(f"From: {_render_addresses([inner.sender])}")
    if date_text:
        lines.append(f"Date: {date_text}")
    if inner.subject is not None:
        lines.append(f"Subject: {inner.subject}")
    if inner.to:
        lines.append(f"To: {_render_addresses(inner.to)}")
    if inner.cc:
        lines.append(f"Cc: {_render_addresses(inner.cc)}")
    return "\n".join(lines) + "\n\n" + inner.body


def _original(split: ForwardSplit, default_tz: tzinfo | None, depth: int = 0) -> ForwardedOriginal:
    """The innermost original of a (possibly nested) inline forward."""
    subject = split.get("subject")
    inner = split_forward(split.body, subject) if depth < _MAX_DEPTH else None
    if inner is not None:
        return _original(inner, default_tz, depth + 1)
    senders = text_addresses(split.get("from"))
    english = (split.label("from") or "from").strip().lower() == "from"
    recipients = dedupe([*text_addresses(split.get("to")), *text_addresses(split.get("cc"))])
    return ForwardedOriginal(
        sender=senders[0] if senders else None,
        date=parse_date(split.get("date"), dayfirst=not english, default_tz=default_tz),
        subject=subject,
        body=new_text(split.body),
        recipients=recipients,
    )


def _tidy_body(texts: list[str]) -> str:
    parts = [text.strip("\n") for text in texts if text.strip()]
    return "\n\n".join(parts).strip()


def _read(message: Message, depth: int) -> ParsedEmail:
    headers = Headers.of(message)
    defects = headers.defects

    message_id = message_id_of(headers.raw("message-id"))
    if message_id is None:
        defects.append(MISSING_MESSAGE_ID)
    subject = headers.text("subject")
    senders = headers.addresses("from") or headers.addresses("sender")
    sender = senders[0] if senders else None
    to, cc, envelope_to = headers.addresses("to"), headers.addresses("cc"), headers.addresses(*_ENVELOPE_HEADERS)
    if sender is None:
        defects.append(MISSING_SENDER)
    date_text = headers.text("date")
    date = None
    if date_text is None:
        defects.append(MISSING_DATE)
    else:
        date = parse_date(date_text) or from_rfc2822(date_text)
        if date is None:
            defects.append(UNPARSEABLE_DATE)

    content = _Content()
    _walk(message, content, defects, 0)
    body = _tidy_body(content.texts)

    forwarded: ForwardedOriginal | None = None
    split = split_forward(body, subject)
    if split is not None:
        clean_body = new_text(split.note)
        forwarded = _original(split, date.tzinfo if date else None)
    else:
        clean_body = new_text(body)
        if content.messages and depth < _MAX_DEPTH:
            attached = content.messages[0]
            inner = _read(attached, depth + 1)
            defects += [f"attached message: {note}" for note in inner.defects
                        if note not in (MISSING_MESSAGE_ID, EMPTY_BODY)]
            forwarded = inner.forwarded or ForwardedOriginal(
                sender=inner.sender, date=inner.date, subject=inner.subject, body=inner.clean_body,
                recipients=dedupe([*inner.to, *inner.cc]),
            )
            body = (body + "\n\n" if body else "") + _forward_block(inner, Headers.of(attached).text("date"))
            if inner.attachments:
                content.attachments += inner.attachments
    if not body.strip() and not content.attachments and forwarded is None:
        defects.append(EMPTY_BODY)
    defects = _defects_of(message) + defects  # after the walk: decoding payloads adds base64 defects

    return ParsedEmail(
        message_id=clean_text(message_id) if message_id else None,
        subject=subject,
        sender=sender,
        date=date,
        to=to,
        cc=cc,
        envelope_to=envelope_to,
        body=body,
        clean_body=clean_body,
        attachments=tuple(content.attachments),
        forwarded=forwarded,
        defects=tuple(dict.fromkeys(defects)),
    )


def parse_email(raw: bytes) -> ParsedEmail:
    """Parse one raw RFC 822 / MIME message (a `str` is taken as its UTF-8 bytes).

    Raises `EmailParseError` only for input that is not an email at all:

    - "empty message": no bytes, or only whitespace (after a BOM and an mbox "From " line);
    - "no email headers": no header block, or one without any standard mail header (From, To, Subject,
      Date, Message-ID, Received, MIME-Version, Content-Type, ...);
    - "nothing readable": headers but no sender, no subject, no body text and no attachment;
    - "MIME structure too deeply nested", or "parser failure: ..." if a bug in this module raises
      (the caller keeps such mail as a dead letter; nothing is lost).

    Everything else parses, with notes in `defects`: a missing Message-ID (`message_id` None, the intake
    makes one up), From or Date, an unparseable Date, invalid or missing MIME boundaries (parts are re-read
    with the boundary they really use when possible), invalid base64, undecodable or wrong charsets
    ("undecodable charset x-foo", "invalid utf-8, read as windows-1252"), malformed headers, an empty body.

    The forward-as-attachment case (a `message/rfc822` part and no inline forward) is unwrapped like an inline
    forward; the attached message is listed among the attachments (with its own attachments after it) and
    appended to `body` as a Gmail-style forwarded block. A forwarded date written without a zone is taken in
    the zone of the outer message's Date (the forwarder's client wrote it in the forwarder's zone).
    """
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise EmailParseError(f"not bytes: {type(raw).__name__}")
    data = _prepare(bytes(raw))
    if not data.strip():
        raise EmailParseError("empty message")
    try:
        message = _read_structure(data)
        names = {str(name).strip().lower() for name in message.keys()}
        if not names & _MAIL_HEADERS:
            raise EmailParseError("no email headers")
        parsed = _read(message, 0)
    except EmailParseError:
        raise
    except RecursionError as error:
        raise EmailParseError("MIME structure too deeply nested") from error
    except Exception as error:  # a bug here must not lose the mail: the caller dead-letters it with this reason
        raise EmailParseError(f"parser failure: {type(error).__name__}: {error}") from error
    if parsed.sender is None and not parsed.subject and not parsed.body.strip() and not parsed.attachments:
        raise EmailParseError("nothing readable: no sender, subject, body or attachment")
    return parsed
