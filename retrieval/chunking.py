"""Cutting a source into chunks: Slack messages, email bodies, transcript windows.

Chunk ids are a hash of account, source id and chunk number, so re-ingesting a source yields the
same ids and an upsert changes nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from retrieval.email_text import strip_quoted_history
from retrieval.text import split_sentences
from retrieval.types import Chunk

MAX_WORDS = 160
TRANSCRIPT_TURNS = 6
TRANSCRIPT_OVERLAP = 2
CONTEXT_WORDS = 30

_TURN = re.compile(r"^\s*(\[[0-9:.,\s\->]+\]\s*)?[^:\n]{1,60}:\s+\S")


@dataclass(frozen=True)
class SourceText:
    """What chunking needs to know about one source."""

    account: str
    source_id: str
    kind: str
    text: str
    author: str
    ts: datetime | str
    visibility: str
    side: str | None = None
    permalink: str | None = None
    subject: str | None = None
    thread: str | None = None
    thread_context: Sequence[str] = ()


def chunk_id(account: str, source_id: str, number: int) -> str:
    """The stable id of chunk `number` of a source."""
    key = f"{account}\x1f{source_id}\x1f{number}".encode()
    return hashlib.sha256(key).hexdigest()[:32]


def _n_words(text: str) -> int:
    return len(text.split())


def _truncate_words(text: str, limit: int) -> str:
    parts = text.split()
    return " ".join(parts[:limit]) + (" …" if len(parts) > limit else "")


def _split_long(piece: str, limit: int) -> list[str]:
    parts = piece.split()
    return [" ".join(parts[i : i + limit]) for i in range(0, len(parts), limit)] or [piece]


def _pack(units: list[str], limit: int, overlap: int, separator: str) -> list[str]:
    """Group units into windows of at most `limit` words, consecutive windows sharing `overlap` units."""
    pieces = [p for unit in units for p in (_split_long(unit, limit) if _n_words(unit) > limit else [unit])]
    windows: list[str] = []
    start = 0
    while start < len(pieces):
        end, count = start, 0
        while end < len(pieces) and (end == start or count + _n_words(pieces[end]) <= limit):
            count += _n_words(pieces[end])
            end += 1
        windows.append(separator.join(pieces[start:end]))
        if end >= len(pieces):
            break
        start = max(end - overlap, start + 1)
    return windows


def _transcript_windows(text: str) -> tuple[str | None, list[str]]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    title = None
    if lines and not _TURN.match(lines[0]):
        title, lines = lines[0], lines[1:]
    turns: list[str] = []
    for line in lines:
        if turns and not _TURN.match(line):
            turns[-1] += " " + line
        else:
            turns.append(line)
    windows: list[str] = []
    step = TRANSCRIPT_TURNS - TRANSCRIPT_OVERLAP
    for start in range(0, max(len(turns) - TRANSCRIPT_OVERLAP, 1), step):
        windows.extend(_pack(turns[start : start + TRANSCRIPT_TURNS], MAX_WORDS, 0, "\n"))
    return title, windows


def chunk_source(source: SourceText) -> list[Chunk]:
    """The chunks of one source, numbered from 0.

    - email: the body without quoted history, in windows of sentences; the subject is the title;
    - transcript: overlapping windows of speaker turns; a first line that is no turn is the title;
    - anything else (Slack): the message in windows of sentences; a thread reply carries the
      start of `thread_context` (its thread's root and the message before it) as context.
    """
    title: str | None = None
    context: str | None = None
    if source.kind == "email":
        title = source.subject
        windows = _pack(split_sentences(strip_quoted_history(source.text, source.subject)), MAX_WORDS, 1, " ")
    elif source.kind == "transcript":
        title, windows = _transcript_windows(source.text)
    else:
        windows = _pack(split_sentences(source.text), MAX_WORDS, 1, " ")
        if source.thread_context:
            context = " / ".join(_truncate_words(t, CONTEXT_WORDS) for t in source.thread_context)
    windows = [w for w in windows if w.strip()] or ([source.text.strip()] if source.text.strip() else [])
    return [
        Chunk(
            id=chunk_id(source.account, source.source_id, number),
            account=source.account,
            source_id=source.source_id,
            text=window,
            kind=source.kind,
            author=source.author,
            side=source.side,
            ts=source.ts,
            visibility=source.visibility,
            permalink=source.permalink,
            title=title,
            context=context,
            thread=source.thread,
            chunk_no=number,
        )
        for number, window in enumerate(windows)
    ]
