"""Cut a source record into sentences, each with the person who said it.

Email: quoted history of a reply is dropped, a forwarded original is kept (its sentences
belong to the original sender), signatures and prompt-injection blocks are removed.
Transcripts: one unit per speaker turn. Slack: the message text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.records import SourceRecord

_FORWARD_MARKERS = re.compile(
    r"^-{3,}\s*Forwarded message\s*-{3,}\s*$|^Begin forwarded message:\s*$", re.IGNORECASE | re.MULTILINE
)
_QUOTE_MARKERS = re.compile(
    r"^-{3,}\s*Original Message\s*-{3,}\s*$|^On .{5,200} wrote:\s*$|^_{8,}\s*$|^From: .+\n(?:Sent|Date): ",
    re.IGNORECASE | re.MULTILINE,
)
_HEADER_FROM = re.compile(r"^From:\s*\"?([^<\n\"]+?)\"?\s*(?:<[^>\n]*>)?\s*$", re.MULTILINE)
_HEADER_LINE = re.compile(r"^(?:From|Sent|Date|To|Cc|Subject|Gesendet|Von|An|Betreff):.*$", re.IGNORECASE)
_SIGN_OFF = re.compile(
    r"^(?:best|best regards|kind regards|regards|thanks|thank you|many thanks|cheers|"
    r"mit freundlichen grüßen|viele grüße|sent from my \w+|--|—)[,.!]?\s*$",
    re.IGNORECASE,
)
_INJECTION = re.compile(
    r"ignore (?:all |any )?(?:previous|prior|above) instructions|system prompt|"
    r"(?:note|message|instructions?) to (?:any|the) (?:ai|assistant|bot|llm)|"
    r"you are now in \w+ mode|disregard (?:all |your )?(?:previous |prior )?instructions",
    re.IGNORECASE,
)
_TURN = re.compile(r"^\s*\[?\d{1,2}:\d{2}(?::\d{2})?\]?\s*([A-Z][\w.'\- ]{1,60}?):\s*(.*)$")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9@<:*])")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)]|[A-C]\))\s+")


@dataclass(frozen=True)
class Sentence:
    """One sentence of a record, with who said it and where it sits."""

    text: str
    speaker: str
    index: int
    turn: int
    forwarded: bool = False


@dataclass(frozen=True)
class Segmented:
    """A record cut into sentences, and whether a prompt-injection block was removed."""

    sentences: list[Sentence]
    injection: bool


def _drop_signature(body: str) -> str:
    """Everything from the first sign-off line on is signature or quoted filler."""
    kept: list[str] = []
    for line in body.splitlines():
        if _SIGN_OFF.match(line.strip()):
            break
        kept.append(line)
    return "\n".join(kept)


def _drop_injection(body: str) -> tuple[str, bool]:
    paragraphs = re.split(r"\n\s*\n", body)
    clean = [p for p in paragraphs if not _INJECTION.search(p)]
    return "\n\n".join(clean), len(clean) != len(paragraphs)


def _email_parts(record: SourceRecord) -> list[tuple[str, str, bool]]:
    """(speaker, body, forwarded) parts of an email: the sender's own text and any forwarded original."""
    text = record.text.replace("\r\n", "\n")
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(">"))
    forward = _FORWARD_MARKERS.search(text)
    is_forward = bool(forward) or bool(re.match(r"^\s*(?:fw|fwd)\s*:", record.subject or "", re.IGNORECASE))
    quote = _QUOTE_MARKERS.search(text)
    cut = forward or quote
    own = text[: cut.start()] if cut else text
    parts = [(record.author, own, False)]
    if cut and is_forward:
        original = text[cut.end():]
        sender = _HEADER_FROM.search(original)
        speaker = sender.group(1).strip() if sender else record.author
        body_lines = [line for line in original.splitlines() if not _HEADER_LINE.match(line.strip())]
        inner_quote = _QUOTE_MARKERS.search("\n".join(body_lines))
        body = "\n".join(body_lines)
        parts.append((speaker, body[: inner_quote.start()] if inner_quote else body, True))
    return parts


def _turns(record: SourceRecord) -> list[tuple[str, str, bool]]:
    if record.kind == "email":
        return _email_parts(record)
    if record.kind == "transcript":
        turns = []
        for line in record.text.splitlines():
            match = _TURN.match(line)
            if match:
                turns.append((match.group(1).strip(), match.group(2), False))
            elif turns and line.strip():
                speaker, body, fwd = turns[-1]
                turns[-1] = (speaker, body + "\n" + line, fwd)
        if turns:
            return turns
    return [(record.author, record.text, False)]


def split_sentences(text: str) -> list[str]:
    """Sentences of a body: lines and bullets first, then sentence punctuation."""
    sentences: list[str] = []
    for line in text.splitlines():
        line = _BULLET.sub("", line).strip()
        if not line:
            continue
        sentences.extend(part.strip() for part in _SENTENCE_END.split(line) if part.strip())
    return sentences


def segment(record: SourceRecord) -> Segmented:
    """The record's sentences in order, quoted history, signatures and injected instructions removed."""
    sentences: list[Sentence] = []
    injection = False
    for turn_index, (speaker, body, forwarded) in enumerate(_turns(record)):
        if record.kind == "email":
            body, found = _drop_injection(body)
            injection = injection or found
            body = _drop_signature(body)
        for text in split_sentences(body):
            sentences.append(Sentence(text, speaker, len(sentences), turn_index, forwarded))
    return Segmented(sentences, injection)
