"""A record read once: its sentences, the people and due phrases in them, and their features."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from bot.extraction.dates import DueMatch, find_due
from bot.extraction.features import SentenceView, cue_flags, feature_names, hashed
from bot.extraction.people import People, build_people, replace_slack_mentions
from bot.extraction.segment import Sentence, segment
from bot.records import SourceRecord


@dataclass
class ExtractionContext:
    """What the extractor may know beyond the record itself."""

    earlier: Sequence[SourceRecord] = ()
    people: Mapping[str, str] = field(default_factory=dict)
    slack_users: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AnalysedSentence:
    """One sentence with everything the classifier and the field resolvers need."""

    sentence: Sentence
    due: DueMatch | None
    persons: tuple[tuple[int, str], ...]
    features: list[int]
    cues: tuple[str, ...] = ()
    following_cues: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnalysedRecord:
    """A record, the account's people, its sentences, and whether an injection block was removed."""

    record: SourceRecord
    people: People
    sentences: list[AnalysedSentence]
    injection: bool
    earlier: Sequence[SourceRecord] = ()


def _person_spans(text: str, persons: list[tuple[int, str]]) -> tuple[tuple[int, int], ...]:
    spans = []
    for position, _ in persons:
        match = re.match(r"@?[A-Z][\w'\-]*(?:\s+[A-Z][\w'\-]*)?", text[position:])
        if match:
            spans.append((position, position + match.end()))
    return tuple(spans)


def analyse(record: SourceRecord, context: ExtractionContext) -> AnalysedRecord:
    """Segment the record, resolve people and due phrases per sentence, and featurise."""
    if context.slack_users:
        record = replace(record, text=replace_slack_mentions(record.text, context.slack_users))
    people = build_people(context.people, context.earlier, record)
    segmented = segment(record)
    analysed: list[AnalysedSentence] = []
    count = len(segmented.sentences)
    cues = [cue_flags(s.text) for s in segmented.sentences] + [()]
    for sentence in segmented.sentences:
        due = find_due(sentence.text, record.ts, record.tz)
        persons = people.named_in(sentence.text)
        view = SentenceView(
            text=sentence.text,
            record_kind=record.kind,
            author_side=people.side_of(sentence.speaker)
            or (record.side if sentence.speaker == record.author else None),
            speaker_is_author=sentence.speaker == record.author,
            forwarded=sentence.forwarded,
            is_reply=record.thread is not None and record.thread != record.id,
            position=sentence.index,
            count=count,
            cues=cues[sentence.index],
            previous_cues=cues[sentence.index - 1] if sentence.index else (),
            following_cues=cues[sentence.index + 1],
            has_due=due is not None,
            person_spans=_person_spans(sentence.text, persons),
            due_span=(due.start, due.start + len(due.phrase)) if due else None,
        )
        analysed.append(AnalysedSentence(sentence, due, tuple(persons), hashed(feature_names(view)),
                                         view.cues, view.following_cues))
    return AnalysedRecord(record, people, analysed, segmented.injection, context.earlier)
