"""Fuzz: arbitrary bytes and byte-level mutations of the fixtures never raise anything but EmailParseError
(and never the "parser failure" kind, which means a bug), and always give storable str fields."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.email.message import Address, EmailParseError, ParsedEmail
from bot.email.parse import parse_email

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "email"
SAMPLES = [path.read_bytes() for path in sorted(FIXTURES.glob("*.eml"))]
# Bytes that steer mutations into the interesting parts of the parser.
TOKENS = [b"\r\n", b"\n\n", b"--", b"=?", b"?=", b"=?utf-8?b?", b"=?x-foo?q?", b"<", b">", b"@", b";", b":",
          b"boundary=", b"charset=", b"Content-Type: multipart/mixed; boundary=x\n", b"Content-Type: message/rfc822\n",
          b"Content-Transfer-Encoding: base64\n", b"<blockquote>", b"</div>", b"From: ", b"Sent: ", b"> ",
          b"---------- Forwarded message ---------\n", b"Begin forwarded message:\n", b"-- \n", b"\xff\xfe", b"\x00",
          b"\xc3", b"\x92"]

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                       HealthCheck.data_too_large])

edits = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=1),
        st.sampled_from(["replace", "insert", "delete", "duplicate"]),
        st.one_of(st.binary(min_size=1, max_size=12), st.sampled_from(TOKENS)),
        st.integers(min_value=1, max_value=400),
    ),
    min_size=1,
    max_size=12,
)


def mutate(data: bytes, changes: list[tuple[float, str, bytes, int]]) -> bytes:
    out = bytearray(data)
    for where, kind, payload, length in changes:
        at = int(where * len(out))
        if kind == "replace":
            out[at : at + len(payload)] = payload
        elif kind == "insert":
            out[at:at] = payload
        elif kind == "delete":
            del out[at : at + length]
        else:
            out[at:at] = out[at : at + length]
    return bytes(out)


def _addresses(parsed: ParsedEmail) -> list[Address]:
    found = [*parsed.to, *parsed.cc, *parsed.envelope_to]
    if parsed.sender:
        found.append(parsed.sender)
    if parsed.forwarded:
        found += parsed.forwarded.recipients
        if parsed.forwarded.sender:
            found.append(parsed.forwarded.sender)
    return found


def check(raw: bytes) -> None:
    try:
        parsed = parse_email(raw)
    except EmailParseError as error:
        assert not str(error).startswith("parser failure"), str(error)
        return
    assert isinstance(parsed, ParsedEmail)
    texts = [parsed.body, parsed.clean_body, *parsed.defects]
    texts += [value for value in (parsed.subject, parsed.message_id) if value is not None]
    texts += [text for a in parsed.attachments for text in (a.filename, a.content_type)]
    texts += [text for a in _addresses(parsed) for text in (a.name, a.email)]
    if parsed.forwarded:
        texts.append(parsed.forwarded.body)
        if parsed.forwarded.subject is not None:
            texts.append(parsed.forwarded.subject)
    for text in texts:
        assert isinstance(text, str)
        text.encode("utf-8")  # no lone surrogates: storable
        assert "\x00" not in text
    assert all(isinstance(a.size, int) and a.size >= 0 for a in parsed.attachments)
    for date in (parsed.date, parsed.forwarded.date if parsed.forwarded else None):
        assert date is None or (isinstance(date, datetime) and date.tzinfo is not None)


@FUZZ
@given(st.binary(max_size=4000))
def test_arbitrary_bytes(raw: bytes) -> None:
    check(raw)


@FUZZ
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_after_a_header(raw: bytes) -> None:
    check(b"From: Dana Whitfield <dana.whitfield@acme.example>\r\nSubject: x\r\n" + raw)


@FUZZ
@given(st.sampled_from(SAMPLES), edits)
def test_mutated_fixtures(sample: bytes, changes: list[tuple[float, str, bytes, int]]) -> None:
    check(mutate(sample, changes))


def test_a_nul_byte_anywhere_in_a_header_never_reaches_the_parsed_text() -> None:
    """Found by the fuzz: a NUL inside Content-Type leaked into an attachment's content type."""
    sample = next(s for s in SAMPLES if b"multipart/alternative" in s)
    end_of_headers = sample.index(b"\n\n")
    for at in range(0, end_of_headers, max(1, end_of_headers // 300)):
        check(mutate(sample, [(at / len(sample), "replace", b"\x00", 1)]))
