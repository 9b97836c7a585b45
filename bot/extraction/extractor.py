"""The offline extractor: clause classifier plus field resolvers, no network and no key."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

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
                if kind == "decision" and (analysed.injection or not _may_decide(sentence, analysed)):
                    continue
                if kind == "blocker" and not _may_block(sentence):
                    continue
                if kind == "next_step" and not _may_be_next_step(sentence):
                    continue
                items.append(_item(kind, probability, sentence, analysed))
        items = _with_unblocker(_without_twins(_without_state_echoes(items, analysed)), analysed)
        resolution = self._resolution(analysed, decided=any(i.kind == "decision" for i in items))
        return items + ([resolution] if resolution else [])

    def _resolution(self, analysed: AnalysedRecord, decided: bool = False) -> ExtractedItem | None:
        if analysed.injection or not analysed.sentences:
            return None
        own = [s for s in analysed.sentences if not s.sentence.forwarded]
        if _is_chase(own):
            return None
        features = sorted({f for s in own for f in s.features})
        probability = self.model.probability("resolution", features)
        if probability < self.thresholds.resolution:
            # supplying the awaited decision or approval clears what waited on it ("Approved as proposed.")
            if not any(_reports_completion(s) for s in own) and not decided:
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
_OBSTACLE = frozenset({"gate", "until", "defect", "limit", "incapable", "party_pending", "lack"})


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


# a delivery told in the present ("Please find attached…", "As promised, the pack is attached") is a completion
_DELIVERY = re.compile(
    _LEAD + r"(?:please find (?:attached|enclosed|below)|attached (?:is|are)|as promised\b|here (?:is|are) (?:the|our|your)\b)"
    r"|\b(?:is|are) attached\b"
)
# not a task: an offer to help, a request to be kept informed, a go-ahead, a negative imperative ("please don't …")
_NO_TASK = re.compile(
    r"^would it help\b|\bkeep (?:me|us) (?:posted|informed|updated|in the loop)\b|\bgo ahead[.!]*$"
    + "|" + _LEAD + r"(?:please )?(?:don't|do not|never)\b"
)


def _may_be_next_step(sentence: AnalysedSentence) -> bool:
    """A question asking for news, an opinion or whether something is possible is no next step ("any
    news on…?", "are you OK with…?", "any objection?", "can we add…?", "is it possible to…?"), unless
    it names a day ("can we meet on Monday?"); neither is a conditional offer ("if CAB needs it, just
    say and I'll send it", "if it slips we'd…"). Requests phrased as questions ("could you send…?") are."""
    text = sentence.sentence.text.lower().replace("’", "'").strip()
    if _CONDITIONAL_OFFER.search(text) or _DELIVERY.search(text) or _NO_TASK.search(text):
        return False
    return not (text.endswith("?") and _NO_TASK_QUESTION.search(text))


_ACCEPT = re.compile(
    r"\bapprov(?:ed|e it)\b|\bsigned (?:\w+ )?off\b|\bagreed\b|\bdecided\b|\bgo(?:ing)? with\b|\byes to\b|\bconfirm(?:ed|ing)\b"
    r"|\bthat's (?:our )?final\b|\bwe'll take\b|\bok'?d\b|\bit's a go\b|^option [a-d]\b"
)
_PROPOSAL = re.compile(
    r"(?<!as )\bproposed\b|\bproposal\b|\bfor (?:your )?(?:review|approval)\b|\b(?:can|could) you approve\b|\bplease approve\b"
    r"|\bhere is (?:the |our |a )?(?:change request|cr-?\d+)"
)
# a change request or proposal that lists its options ("Option A … Option B …", "A) … B) …")
_OPTIONS = re.compile(r"\boption a\b[\s\S]*\boption b\b|^\s*a\)[\s\S]*^\s*b\)", re.MULTILINE | re.IGNORECASE)
# a preference that still waits on someone else's approval ("I'd like option A — but Beth signs off…")
_PREFERENCE = re.compile(r"\b(?:i|we)'d (?:like|prefer|go for)\b|\b(?:i|we) (?:would )?prefer\b")
_PENDING = re.compile(
    r"\bsigns? off\b|\bwith (?:her|him|them) now\b|\bneeds? (?:\w+ ){0,3}(?:approval|sign-?off|ok)\b|\bhas to (?:approve|sign)\b"
)
# an approval of an access or change gate (an app, a change ticket, a limit) is a resolution, not a decision
_GATE_APPROVAL = re.compile(
    r"\bcab\b|\bchange (?:advisory )?board\b|\benterprise app\b|\badmin consent\b|\b(?:saml|sso|oauth) app\b|\bsso\b|\bscim\b"
    r"|\bapi (?:limit|quota|increase)\b|\b(?:limit|quota) increase\b|\bwhitelist|\bfirewall\b|\b[a-z]{2,}-(?:[a-z]+-)?\d{3,}\b"
)
_DECISION_SUBJECT = re.compile(
    r"\buat\b|\bgo[- ]?live\b|\brole|\bhierarch|\boption\b|\bprice|\bcurrenc|\brates?\b|\bregion\b|\btax\b|\bmatrix\b"
    r"|\bscope\b|\bcr-?\d|\bd?pia\b|\bdedupe\b|\brule\b|\bbefore\b|\bphase\b"
)
_GATE_CLEARED = re.compile(r"\bapproved\b|\bgranted\b|\bworks?\b|\blive\b|\bcreated\b|\bswitched on\b|\bactive\b|\bregistered\b")
_NOT_A_CALL = re.compile(
    r"\bsee you\b|\bgo-?live (?:comms|communications?|emails?|checklist|call|day|prep|readiness|support|weekend|party|announcement)\b"
)


def _may_decide(sentence: AnalysedSentence, analysed: AnalysedRecord) -> bool:
    """A decision is never a proposal awaiting acceptance ("Proposed hierarchy for review", a change
    request listing its options, "can you approve?") unless the sentence itself accepts; nor an approval
    that only clears an access or change gate ("CAB approved the app", "SSO works") — that is a
    resolution; nor a go-live mention that decides nothing ("see you on Tuesday for go-live")."""
    text = sentence.sentence.text.lower().replace("’", "'")
    if len(text.split()) <= 3:  # "Approved." — judge it with the sentence that follows
        following = analysed.sentences[sentence.sentence.index + 1:sentence.sentence.index + 2]
        text = " ".join([text, *(s.sentence.text.lower() for s in following)])
    accepts = bool(_ACCEPT.search(text))
    own = " ".join(s.sentence.text for s in analysed.sentences if not s.sentence.forwarded).lower()
    if not accepts and (_PROPOSAL.search(own) or _OPTIONS.search(_own_text(analysed)) or text.rstrip().endswith("?")):
        return False
    if _PREFERENCE.search(text) and _PENDING.search(own):
        return False
    if _GATE_APPROVAL.search(text) and _GATE_CLEARED.search(text) and not _DECISION_SUBJECT.search(text):
        return False
    return not (_NOT_A_CALL.search(text) and not accepts)


def _own_text(analysed: AnalysedRecord) -> str:
    """The record's own text, line breaks kept: its sentences that are not a forwarded original."""
    forwarded = [s.sentence.text for s in analysed.sentences if s.sentence.forwarded]
    if not forwarded:
        return analysed.record.text
    cut = analysed.record.text.find(forwarded[0])
    return analysed.record.text[:cut] if cut > 0 else ""


# where a sentence's opening clause ends: "Retention team trained — 58 of 60 attended; the two who missed it …"
_CLAUSE_BREAK = re.compile(r"\s*(?:;|—|–|:|\s-\s)\s*")
# a short subject reported done ("Wave 3 done", "Migration complete", "Training finished")
_SHORT_DONE = re.compile(r"^(?:[\w.-]+ ){1,4}(?:done|complete|completed|finished)\b")
_PENDING_FAMILIES = ("chase", "gate", "hypothetical", "until", "negation")


def _reports_completion(sentence: AnalysedSentence) -> bool:
    """A plain report that something got done ("CAB approved the app", "PIA signed ✅", "Fixed: ..."), in the
    whole sentence or in its opening clause ("Wave 3 done: …", "Team trained — two missed it …"); a later
    clause is not enough ("Change of plans: we just signed a distributor and will…" reports news, not work done)."""
    cues = set(sentence.cues)
    text = sentence.sentence.text.rstrip()
    plain = text.lower().replace("’", "'")
    if text.endswith("?"):
        return False
    if _DELIVERY.search(plain):
        return True
    if "completed" in cues and not cues & {"chase", "gate", "hypothetical", "until"}:
        return True
    return _clause_completes(_CLAUSE_BREAK.split(plain, maxsplit=1)[0])


def _clause_completes(clause: str) -> bool:
    """Whether one clause reports something done and nothing pending."""
    if not (CUES["completed"].search(clause) or _SHORT_DONE.search(clause)):
        return False
    return not any(CUES[family].search(clause) for family in _PENDING_FAMILIES)


def _is_chase(sentences: list[AnalysedSentence]) -> bool:
    """A chase or restatement ("still waiting on IT", "any update?") never clears anything — unless one
    of its sentences reports a completion of its own."""
    cues = [set(s.cues) for s in sentences]
    chase = any("chase" in c and ("gate" in c or "until" in c or s.sentence.text.rstrip().endswith("?") or "completed" not in c)
                for c, s in zip(cues, sentences, strict=True))
    completed = any(
        ("completed" in c or _DELIVERY.search(s.sentence.text.lower().replace("’", "'"))) and not c & {"chase", "gate"}
        for c, s in zip(cues, sentences, strict=True)
    )
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
    summary = summary_of(text)
    if kind == "decision" and len(text.split()) <= BARE_ACCEPTANCE_WORDS:
        summary = f"{summary} {_antecedent(sentence, analysed)}".strip()[:240]
    return ExtractedItem(
        source_id=analysed.record.id,
        kind=kind,
        summary=summary,
        owner=owner,
        waiting_on=side_waiting(kind, owner, sentence, analysed, category),
        due=sentence.due.due if sentence.due and kind == "next_step" else None,
        category=category,
        confidence=probability,
        span=text,
        extra={"turn": sentence.sentence.turn},
    )


BARE_ACCEPTANCE_WORDS = 4


def _antecedent(sentence: AnalysedSentence, analysed: AnalysedRecord) -> str:
    """What a bare acceptance ("Approved as proposed.", "OK'd.", "Yes.") accepts: the sentence before it in
    the record, else the root of its thread, else the previous record of the account."""
    index = sentence.sentence.index
    if index > 0:
        return analysed.sentences[index - 1].sentence.text
    record = analysed.record
    earlier = list(analysed.earlier)
    if record.thread and record.thread != record.id:
        root = next((r for r in reversed(earlier) if r.id == record.thread), None)
        if root is not None:
            return summary_of(root.text)
    return summary_of(earlier[-1].text) if earlier else ""


def _with_unblocker(items: list[ExtractedItem], analysed: AnalysedRecord) -> list[ExtractedItem]:
    """A blocker that names nobody is owned by the person the same record asks to clear it ("1,204 accounts
    fail validation … @Ravi could you re-run it?"): the owner of a request in the same speaker turn or the reply to it, when that is
    not the author."""
    def asked(blocker: ExtractedItem) -> str | None:
        return next((i.owner for i in items if i.kind == "next_step" and i.owner and i.owner != analysed.record.author
                     and i.extra["turn"] - blocker.extra["turn"] in (0, 1)), None)

    out = []
    for item in items:
        owner = asked(item) if item.kind == "blocker" and item.owner is None else None
        out.append(replace(item, owner=owner, waiting_on=analysed.people.side_of(owner) or item.waiting_on) if owner else item)
    return out


def _without_state_echoes(items: list[ExtractedItem], analysed: AnalysedRecord) -> list[ExtractedItem]:
    """A sentence read far more surely as a blocker ("SSO is still waiting on their CAB") is not also a
    next step, unless it asks or promises something itself."""
    cues = {s.sentence.text: set(s.cues) for s in analysed.sentences}
    blocker = {i.span: i.confidence for i in items if i.kind == "blocker"}

    def echo(item: ExtractedItem) -> bool:
        surer = blocker.get(item.span, 0.0) >= STATE_ECHO_RATIO * item.confidence
        return item.kind == "next_step" and surer and not cues.get(item.span, set()) & {"request", "commit"}

    return [i for i in items if not echo(i)]


STATE_ECHO_RATIO = 2.0


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
