"""The offline extractor: clause classifier plus field resolvers, no network and no key."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.extraction.analysis import AnalysedRecord, AnalysedSentence, ExtractionContext, analyse
from bot.extraction.cues import CUES
from bot.extraction.fields import (
    blocker_owner,
    category_of,
    decision_owner,
    next_step_owner,
    side_waiting,
    summary_of,
)
from bot.extraction.model import ClauseModel
from bot.extraction.similarity import overlap
from bot.records import ExtractedItem, SourceRecord

ITEM_KINDS = ("blocker", "next_step", "decision")
COMPLETION_CONFIDENCE = 0.5


@dataclass(frozen=True)
class Thresholds:
    """Probability above which a sentence (or, for resolution, a record) is reported."""

    blocker: float = 0.2
    next_step: float = 0.3
    decision: float = 0.3
    resolution: float = 0.3

    def of(self, label: str) -> float:
        return float(getattr(self, label))


@dataclass
class OfflineExtractor:
    """Extract blockers, next steps, decisions and resolution lines from one source record."""

    model: ClauseModel = field(default_factory=ClauseModel.load)
    thresholds: Thresholds = field(default_factory=Thresholds)

    def extract(self, record: SourceRecord, context: ExtractionContext) -> list[ExtractedItem]:
        """Items of the record, in sentence order, then its resolution line if any."""
        analysed = analyse(record, context)
        items: list[ExtractedItem] = []
        for sentence in analysed.sentences:
            for kind, probability in self.model.probabilities(ITEM_KINDS, sentence.features).items():
                if probability < self.thresholds.of(kind):
                    continue
                if kind == "decision" and analysed.injection:
                    continue
                if kind == "blocker" and not _may_block(sentence):
                    continue
                if kind == "next_step" and not _may_be_next_step(sentence):
                    continue
                items.append(_item(kind, probability, sentence, analysed))
        items = _without_twins(items)
        resolution = self._resolution(analysed)
        return items + ([resolution] if resolution else [])

    def _resolution(self, analysed: AnalysedRecord) -> ExtractedItem | None:
        if analysed.injection or not analysed.sentences:
            return None
        own = [s for s in analysed.sentences if not s.sentence.forwarded]
        if _is_chase(own):
            return None
        features = sorted({f for s in own for f in s.features})
        probability = self.model.probability("resolution", features)
        if probability < self.thresholds.resolution:
            if not any(_reports_completion(s) for s in own):
                return None
            probability = max(probability, COMPLETION_CONFIDENCE)
        record = analysed.record
        span = next(
            (s.sentence.text for s in analysed.sentences if CUES["done"].search(s.sentence.text.lower())),
            analysed.sentences[0].sentence.text,
        )
        target = record.thread if record.thread and record.thread != record.id else None
        people = sorted({name for s in own for _, name in s.persons})
        return ExtractedItem(record.id, "resolution", None, resolves=target, confidence=probability, span=span,
                             extra={"author": record.author, "side": analysed.people.side_of(record.author) or record.side,
                                    "people": people})


_OPEN_GATE = frozenset({"gate", "until"})


_RISK = re.compile(r"\bat risk\b|\brisky\b|\b(?:might|could|may) slip\b")
_OBSTACLE = frozenset({"gate", "until", "defect", "limit"})


def _may_block(sentence: AnalysedSentence) -> bool:
    """A blocker is never a negation ("nothing blocking", "not urgent" next), a risk ("go-live looks at
    risk"), a commitment or request that names no obstacle ("I'll drop the file on the SFTP Monday" is a
    next step), nor a completed action ("X approved, it's active") or a hypothetical, unless a gate is
    stated in the same sentence."""
    cues = set(sentence.cues)
    if "negation" in cues or "negation" in sentence.following_cues:
        return False
    text = sentence.sentence.text.lower()
    if _RISK.search(text) and "block" not in text:
        return False
    if cues & {"commit", "request"} and not cues & _OBSTACLE:
        return False
    if cues & _OPEN_GATE:
        return True
    return not cues & {"completed", "hypothetical"}


_LEAD = r"^(?:[@\w' ]{0,40}[,:—-]\s*)?"  # an addressee or a short preamble: "@Kim Lee, …", "Quick question: …"
_NO_TASK_QUESTION = re.compile(
    r"\bany (?:news|update|progress|word)\b|\bwhere are we\b|\bhow (?:is|are) (?:\w+ ){0,4}(?:going|looking)\b"
    r"|\b(?:are|is) (?:you|everyone|that|this) (?:ok|okay|fine|happy|comfortable|good) (?:with|for)\b"
    r"|\bany objections?\b|\bdoes (?:that|this) (?:work|sound)\b|\bis (?:it|that|this|there) possible\b"
    + "|" + _LEAD + r"(?:can|could) we\b(?!.*\b(?:today|tonight|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|\d))"
)
_CONDITIONAL_OFFER = re.compile(
    r"\bif (?:\w+ ){0,6}(?:needs?|wants?|requires?)\b.*\b(?:i'll|we'll|i can|we can|i will|we will)\b"
    r"|\bjust (?:say|shout)\b|" + _LEAD + r"if\b.*\b(?:we'd|we would)\b"
)


def _may_be_next_step(sentence: AnalysedSentence) -> bool:
    """A question asking for news, an opinion or whether something is possible is no next step ("any
    news on…?", "are you OK with…?", "any objection?", "can we add…?", "is it possible to…?"), unless
    it names a day ("can we meet on Monday?"); neither is a conditional offer ("if CAB needs it, just
    say and I'll send it", "if it slips we'd…"). Requests phrased as questions ("could you send…?") are."""
    text = sentence.sentence.text.lower().replace("’", "'").strip()
    if _CONDITIONAL_OFFER.search(text):
        return False
    return not (text.endswith("?") and _NO_TASK_QUESTION.search(text))


def _reports_completion(sentence: AnalysedSentence) -> bool:
    """A plain report that something got done ("CAB approved the app", "PIA signed ✅", "Fixed: ...")."""
    cues = set(sentence.cues)
    text = sentence.sentence.text.rstrip()
    return "completed" in cues and not cues & {"chase", "gate", "hypothetical", "until"} and not text.endswith("?")


def _is_chase(sentences: list[AnalysedSentence]) -> bool:
    """A chase or restatement ("still waiting on IT", "any update?") never clears anything — unless one
    of its sentences reports a completion of its own."""
    cues = [set(s.cues) for s in sentences]
    chase = any("chase" in c and ("gate" in c or "until" in c or s.sentence.text.rstrip().endswith("?") or "completed" not in c)
                for c, s in zip(cues, sentences, strict=True))
    completed = any("completed" in c and "chase" not in c and "gate" not in c for c in cues)
    return chase and not completed


def _item(kind: str, probability: float, sentence: AnalysedSentence, analysed: AnalysedRecord) -> ExtractedItem:
    text = sentence.sentence.text
    category = category_of(text) if kind == "blocker" else None
    if kind == "next_step":
        owner = next_step_owner(sentence, analysed)
    elif kind == "blocker":
        owner = blocker_owner(sentence, analysed)
    else:
        owner = decision_owner(sentence, analysed)
    return ExtractedItem(
        source_id=analysed.record.id,
        kind=kind,
        summary=summary_of(text),
        owner=owner,
        waiting_on=side_waiting(kind, owner, sentence, analysed, category),
        due=sentence.due.due if sentence.due and kind == "next_step" else None,
        category=category,
        confidence=probability,
        span=text,
        extra={"turn": sentence.sentence.turn},
    )


def _without_twins(items: list[ExtractedItem]) -> list[ExtractedItem]:
    """Drop an item that repeats a more confident one of the same kind in the same record.

    A speaker states one blocker at a time: its sentences collapse into the most confident one.
    """
    kept: list[ExtractedItem] = []
    for item in sorted(items, key=lambda i: -i.confidence):
        twin = any(
            k.kind == item.kind
            and (overlap(k.span, item.span) > 0.6 or (item.kind == "blocker" and k.extra["turn"] == item.extra["turn"]))
            for k in kept
        )
        if not twin:
            kept.append(item)
    order = {id(item): n for n, item in enumerate(items)}
    return sorted(kept, key=lambda i: order[id(i)])
