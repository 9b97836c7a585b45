"""Fuzzy text overlap on content words, used to align, match and merge items."""

from __future__ import annotations

import re
from functools import lru_cache

_STOP = frozenset(
    """a an the and or but of to in on at for by with from as is are was were be been being it its this that
    these those we you i our your their they he she his her them us me my will would can could should shall
    have has had do does did not no so if then than there here what which who when where why how all any
    each some more most other into over under about after before until up down out off just also only
    very still yet now get got let please thanks hi hey ok okay sure all""".split()
)
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


CACHED_TEXT = 2000  # content stems of texts up to this long are memoised (messages; not transcripts)


def content_stems(text: str) -> frozenset[str]:
    """Lower-cased content words cut to five characters (a crude stem), stop words removed."""
    return _short_text_stems(text) if len(text) <= CACHED_TEXT else _stems(text)


@lru_cache(maxsize=4096)
def _short_text_stems(text: str) -> frozenset[str]:
    """`_stems`, memoised: the extractor and the merge step compare the same recent messages again and again."""
    return _stems(text)


def _stems(text: str) -> frozenset[str]:
    return frozenset(w[:5] for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1)


def containment(needle: str, haystack: str) -> float:
    """Share of the needle's content stems found in the haystack (0 when the needle is empty)."""
    wanted = content_stems(needle)
    return len(wanted & content_stems(haystack)) / len(wanted) if wanted else 0.0


def overlap(left: str | frozenset[str], right: str | frozenset[str]) -> float:
    """Dice overlap of two texts' (or stem sets') content stems."""
    a = content_stems(left) if isinstance(left, str) else left
    b = content_stems(right) if isinstance(right, str) else right
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0
