"""Call transcripts (`.vtt`, `.srt`, `.txt`) into speaker turns, and a transcript into one source record.

Every shape is read line by line into fragments (start, speaker, text) and folded into turns: a fragment
without a speaker continues the current speaker, consecutive fragments of one speaker merge, and lines that
fit no pattern are kept as text of the current turn. Only a file with no turn at all is an error.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePath

from bot.records import SourceRecord

TRANSCRIPT_SUFFIXES: tuple[str, ...] = (".vtt", ".srt", ".txt")

_CLOCK = r"(?:\d{1,3}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_CLOCK_PARTS = re.compile(r"^(?:(\d{1,3}):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?$")
_TIMING = re.compile(r"^\s*(\S+)\s*-->")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]+)>", re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>|<\d[\d:.]*>")
_LABEL = re.compile(r"^\s*(?:[-–]\s*)?([^:]{1,48}):(?:\s+(.*))?$")
_TIMESTAMPED = re.compile(rf"^\s*[\[(]?({_CLOCK})[\])]?\s+(.*)$")
_HEADER = re.compile(rf"^\s*\[?([^\[\]\d:][^\[\]:]{{0,47}}?)\]?\s+\(?({_CLOCK})\)?\s*$")
_BLOCK_STARTS = ("NOTE", "STYLE", "REGION")
_PARTICLES = frozenset({"van", "von", "de", "der", "den", "da", "di", "du", "le", "la", "del", "bin", "al", "el"})
_NOT_SPEAKERS = frozenset({
    "action", "action item", "action items", "agenda", "answer", "blocker", "blockers", "decision", "decisions",
    "fyi", "important", "next step", "next steps", "note", "notes", "ps", "question", "re", "reminder", "subject",
    "summary", "todo", "update", "warning",
})
_MAX_CONTROL_SHARE = 0.05


class TranscriptError(ValueError):
    """A file that holds no speaker turn at all; the message says why."""


@dataclass(frozen=True)
class Turn:
    """One stretch of a call spoken by one speaker (either may be unknown)."""

    start: timedelta | None
    speaker: str | None
    text: str


@dataclass(frozen=True)
class _Fragment:
    start: timedelta | None
    speaker: str | None
    text: str


def decode_transcript(content: bytes) -> str:
    """The text of a transcript file (UTF-8 or UTF-16 with a BOM, else UTF-8, else Windows-1252)."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = content.decode("utf-16", errors="replace")
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = content.decode("cp1252", errors="replace")
    control = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    if text and control / len(text) > _MAX_CONTROL_SHARE:
        raise TranscriptError("the file is binary, not a text transcript")
    return text


def parse_clock(value: str) -> timedelta | None:
    """`01:02:03.500`, `1:02:03,5` or `02:03` as an offset; None when it is not a time."""
    match = _CLOCK_PARTS.match(value.strip())
    if match is None:
        return None
    hours, minutes, seconds, fraction = match.groups()
    if int(seconds) > 59 or (hours is not None and int(minutes) > 59):
        return None
    millis = int((fraction or "0").ljust(3, "0"))
    return timedelta(hours=int(hours or 0), minutes=int(minutes), seconds=int(seconds), milliseconds=millis)


def speaker_name(candidate: str) -> str | None:
    """The candidate as a speaker's name (title-case words, "Speaker 2", "Ana (Acme)"), or None."""
    name = " ".join(candidate.split())
    words = name.split(" ")
    if not name or len(name) > 48 or len(words) > 5 or name.lower() in _NOT_SPEAKERS:
        return None
    if not (words[0][:1].isalpha() and words[0][:1].isupper()):
        return None
    for word in words[1:]:
        head = word.lstrip("(")[:1]
        if not (head.isupper() or head.isdigit() or word.lower() in _PARTICLES):
            return None
    return name


def _clean(text: str) -> str:
    return " ".join(html.unescape(_TAG.sub("", text)).split())


def _cue_line(line: str, start: timedelta | None) -> _Fragment:
    voice = _VOICE.search(line)
    if voice:
        return _Fragment(start, " ".join(voice.group(1).split()) or None, _clean(line[voice.end():]))
    text = _clean(line)
    label = _LABEL.match(text)
    if label and (name := speaker_name(label.group(1))):
        return _Fragment(start, name, (label.group(2) or "").strip())
    return _Fragment(start, None, text)


def _is_timing(line: str) -> bool:
    return "-->" in line


def _cue_fragments(text: str) -> Iterator[_Fragment]:
    """Fragments of a cue file (WebVTT or SubRip): ids, headers and NOTE/STYLE/REGION blocks are skipped."""
    lines = text.splitlines()
    skipping = bool(lines) and lines[0].lstrip().startswith("WEBVTT")
    in_cue = False
    start: timedelta | None = None
    cue_lines = 0
    block_start = True
    for index, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            skipping = in_cue = False
            block_start = True
            continue
        at_block_start, block_start = block_start, False
        if _is_timing(line):
            match = _TIMING.match(line)
            start = parse_clock(match.group(1)) if match else None
            skipping, in_cue, cue_lines = False, True, 0
            continue
        if skipping:
            continue
        if at_block_start and not in_cue and line.split(" ", 1)[0] in _BLOCK_STARTS:
            skipping = True
            continue
        next_is_timing = index + 1 < len(lines) and _is_timing(lines[index + 1])
        if next_is_timing and (at_block_start or line.isdigit()):
            continue  # a cue id
        fragment = _cue_line(line, start if in_cue else None)
        if cue_lines and fragment.speaker is None:
            fragment = _Fragment(None, None, fragment.text)  # a cue's later line continues its first
        cue_lines += 1
        yield fragment


def _txt_fragments(text: str) -> Iterator[_Fragment]:
    """Fragments of a plain-text export: "Speaker: text", "[00:01:02] Speaker: text", or a "Speaker  0:02" header."""
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        header = _HEADER.match(line)
        if header and (name := speaker_name(header.group(1))):
            yield _Fragment(parse_clock(header.group(2)), name, "")
            continue
        start = None
        stamped = _TIMESTAMPED.match(line)
        if stamped and (clock := parse_clock(stamped.group(1))) is not None:
            start, line = clock, stamped.group(2)
        label = _LABEL.match(line)
        if label and (name := speaker_name(label.group(1))):
            yield _Fragment(start, name, " ".join((label.group(2) or "").split()))
        else:
            yield _Fragment(start, None, " ".join(line.split()))


def _fold(fragments: Iterable[_Fragment]) -> list[Turn]:
    turns: list[Turn] = []
    for fragment in fragments:
        current = turns[-1] if turns else None
        speaker = fragment.speaker or (current.speaker if current else None)
        continues = current is not None and (
            (speaker is not None and speaker == current.speaker) or (speaker is None and fragment.start is None))
        if current is not None and continues:
            joined = f"{current.text} {fragment.text}".strip()
            turns[-1] = Turn(current.start if current.start is not None else fragment.start, current.speaker, joined)
        else:
            turns.append(Turn(fragment.start, speaker, fragment.text))
    return [turn for turn in turns if turn.text]


def transcript_format(name: str, text: str) -> str:
    """"cues" for WebVTT/SubRip (by suffix or content), else "txt"."""
    suffix = PurePath(name).suffix.lower()
    if suffix in (".vtt", ".srt") or text.lstrip().startswith("WEBVTT"):
        return "cues"
    timings = (_TIMING.match(line) for line in text.splitlines()[:20])
    return "cues" if any(match and parse_clock(match.group(1)) for match in timings) else "txt"


def parse_transcript(content: bytes, *, name: str) -> list[Turn]:
    """The turns of a transcript file; `TranscriptError` when it holds none."""
    if not content.strip():
        raise TranscriptError("the file is empty")
    text = decode_transcript(content)
    fragments = _cue_fragments(text) if transcript_format(name, text) == "cues" else _txt_fragments(text)
    turns = _fold(fragments)
    if not turns:
        raise TranscriptError("no speaker turn found in the file")
    return turns


def _clock_text(offset: timedelta) -> str:
    seconds = int(offset.total_seconds())
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def render_turns(turns: Iterable[Turn]) -> str:
    """One line per turn: `[hh:mm:ss] Speaker: text` (each part only when known)."""
    lines = []
    for turn in turns:
        stamp = f"[{_clock_text(turn.start)}] " if turn.start is not None else ""
        speaker = f"{turn.speaker}: " if turn.speaker else ""
        lines.append(f"{stamp}{speaker}{turn.text}")
    return "\n".join(lines)


def is_transcript_name(name: str) -> bool:
    """Whether a file name has a transcript suffix."""
    return PurePath(name).suffix.lower() in TRANSCRIPT_SUFFIXES


def content_record_id(content: bytes) -> str:
    """The stable id of a transcript known only by its bytes (a CLI file)."""
    return "transcript:" + hashlib.sha256(content).hexdigest()[:16]


def transcript_record(
    content: bytes,
    *,
    name: str,
    record_id: str,
    author: str,
    ts: datetime,
    title: str | None = None,
    account: str | None = None,
    author_email: str | None = None,
    side: str | None = None,
    channel: str | None = None,
    visibility: str = "internal",
    tz: str | None = None,
    permalink: str | None = None,
) -> SourceRecord:
    """The one source record of a transcript file (its turns rendered as `text`); raises `TranscriptError`."""
    return SourceRecord(
        id=record_id,
        kind="transcript",
        ts=ts,
        author=author,
        text=render_turns(parse_transcript(content, name=name)),
        account=account,
        author_email=author_email,
        side=side,
        channel=channel,
        subject=(title or PurePath(name).name)[:500],
        visibility=visibility,
        tz=tz,
        permalink=permalink,
    )
