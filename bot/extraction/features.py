"""Sentence features for the clause classifier: normalised n-grams, cue flags and record context."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

from bot.extraction.cues import CUES

DIMENSIONS = 1 << 18
CUE_REPEAT = 7

_ID = re.compile(r"\b[A-Z]{2,}[A-Z0-9]*-\d+[A-Z0-9-]*\b|#\d+")
_MONEY = re.compile(r"[$€£]\s?\d[\d,.]*[kKmM]?|\b(?:USD|EUR|GBP|CAD|AUD)\s?\d[\d,.]*")
_NUMBER = re.compile(r"\b\d[\d,.:]*\b")
_TOKEN = re.compile(r"[a-z]+(?:['’][a-z]+)?|[@?!✅]|[A-Z_]+")
_EMOJI_DONE = re.compile(r":(?:white_check_mark|heavy_check_mark|ballot_box_with_check|tada|rocket):|✅|✔")
_EMOJI = re.compile(r":[a-z0-9_+\-]+:")


@dataclass(frozen=True)
class SentenceView:
    """What the featuriser sees of one sentence and its record."""

    text: str
    record_kind: str
    author_side: str | None
    speaker_is_author: bool
    forwarded: bool
    is_reply: bool
    position: int
    count: int
    cues: tuple[str, ...]
    previous_cues: tuple[str, ...]
    following_cues: tuple[str, ...]
    has_due: bool
    person_spans: tuple[tuple[int, int], ...]
    due_span: tuple[int, int] | None


def _overlaps(span: tuple[int, int], other: tuple[int, int] | None) -> bool:
    return other is not None and span[0] < other[1] and other[0] < span[1]


def normalise(view: SentenceView) -> str:
    """The sentence with people, due phrases, ids, sums and numbers replaced by placeholders."""
    text = view.text
    spans = [(s, e, " PERSON ") for s, e in view.person_spans if not _overlaps((s, e), view.due_span)]
    if view.due_span:
        spans.append((*view.due_span, " DUEDATE "))
    for start, end, placeholder in sorted(spans, reverse=True):
        text = text[:start] + placeholder + text[end:]
    text = _EMOJI_DONE.sub(" ✅ ", text)
    text = _EMOJI.sub(" ", text)
    text = _ID.sub(" TICKETID ", text)
    text = _MONEY.sub(" MONEY ", text)
    text = _NUMBER.sub(" NUM ", text)
    return text


def tokens_of(text: str) -> list[str]:
    """Lower-case word tokens, placeholders kept as upper-case tokens."""
    out = []
    for token in _TOKEN.findall(text):
        out.append(token if token.isupper() and len(token) > 2 else token.lower().replace("’", "'"))
    return out


_PENDING_CLAUSE = re.compile(r"\b(?:until|till|before|once|unless|as soon as)\b[^,.;:!?—]*")
_COMPLETION_FAMILIES = frozenset({"done", "completed"})


def cue_flags(text: str) -> tuple[str, ...]:
    """Names of the cue families (commitment, request, gate, ...) present in text.

    Completion cues ("done", "completed") ignore a pending clause: "until the agreement is signed",
    "once the fix is in production" report no completion."""
    lowered = text.lower().replace("’", "'")
    settled = _PENDING_CLAUSE.sub(" ", lowered) if _PENDING_CLAUSE.search(lowered) else lowered
    return tuple(name for name, pattern in CUES.items()
                 if pattern.search(settled if name in _COMPLETION_FAMILIES else lowered))


_PENDING_FAMILIES = frozenset({"gate", "until", "party_pending", "incapable", "limit"})


def feature_names(view: SentenceView) -> list[str]:
    """Every feature of a sentence, as strings (hashed later)."""
    words = tokens_of(normalise(view))
    names = [f"w:{w}" for w in words]
    names += [f"b:{a}_{b}" for a, b in zip(words, words[1:], strict=False)]
    names += [f"s:{w}" for w in words[:2]]
    if len(words) > 1:
        names.append(f"s2:{words[0]}_{words[1]}")
    cues = view.cues
    names += [f"c:{c}#{n}" for c in cues for n in range(CUE_REPEAT)]
    names += [f"pc:{c}" for c in view.previous_cues]
    names += [f"nc:{c}" for c in view.following_cues]
    pending = set(cues) & _PENDING_FAMILIES
    if pending:
        # a party (a named person or a pronoun standing for one) plus a pending state: "it's with her now"
        party = bool(view.person_spans) or bool(re.search(r"\b(?:she|he|they|her|him|them)\b", view.text.lower()))
        names += [f"party_pending:{party}"] + [f"pp:{c}&{party}" for c in sorted(pending)]
    context = [
        f"kind:{view.record_kind}",
        f"side:{view.author_side}",
        f"speaker_author:{view.speaker_is_author}",
        f"fwd:{view.forwarded}",
        f"reply:{view.is_reply}",
        f"due:{view.has_due}",
        f"q:{view.text.rstrip().endswith('?')}",
        f"first:{view.position == 0}",
        f"only:{view.count == 1}",
        f"len:{min(len(words) // 5, 6)}",
    ]
    names += context
    names += [f"{c}&{cue}" for cue in cues for c in context[:2] + context[5:7]]
    return names


def hashed(names: list[str]) -> list[int]:
    """Stable hashed feature indices (crc32, independent of PYTHONHASHSEED), de-duplicated."""
    return sorted({zlib.crc32(name.encode()) % DIMENSIONS for name in names})
