"""A plain keyword baseline, kept in the evaluation report as the bar the extractor must clear."""

from __future__ import annotations

import re

from bot.records import ExtractedItem, SourceRecord

KEYWORDS: dict[str, re.Pattern[str]] = {
    "blocker": re.compile(r"\bblock(?:ed|er|ing)\b|\bon hold\b|\bwaiting (?:on|for)\b|\bstuck\b|\bcan't\b|\bcannot\b", re.I),
    "next_step": re.compile(r"\bi'll\b|\bi will\b|\bwe'll\b|\bplease\b|\bcould you\b|\bcan you\b|\bby (?:mon|tue|wed|thu|fri)\w*day\b|\baction item\b", re.I),
    "decision": re.compile(r"\bdecided\b|\bdecision\b|\bapproved\b|\bagreed\b|\bgo with\b|\bsigned off\b", re.I),
}


def keyword_items(record: SourceRecord) -> list[ExtractedItem]:
    """One item per kind whose keyword list matches anywhere in the record's text."""
    return [
        ExtractedItem(record.id, kind, match.group(0), span=match.group(0))
        for kind, pattern in KEYWORDS.items()
        if (match := pattern.search(record.text))
    ]
