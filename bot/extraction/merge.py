"""Items that move: plan how a record's extracted items change the account's open items.

Pure: no database. Given the open items and the new extracted items of one record, return
actions — a restated blocker or next step adds evidence (refreshing owner, due and ball in
court), a resolution closes the matching blocker or next step, a later decision on the same
subject supersedes the earlier one, anything else is created.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from bot.extraction.similarity import content_stems, overlap
from bot.records import ExtractedItem

RESTATE_BLOCKER = 0.25
RESTATE_NEXT_STEP = 0.45
RESOLVE_THRESHOLD = 0.4
RESOLVE_ALSO = 0.8
RESOLVE_CLEAR_WINNER = 0.3
RESOLVE_MARGIN = 3.0
SAME_THREAD_BONUS = 0.3
TICKET_BONUS = 0.5
CONTAINMENT_WEIGHT = 0.7
SHORT_EVIDENCE = 400
OWNER_BONUS = 0.15
SIDE_BONUS = 0.05
SAME_CATEGORY_BONUS = 0.15
TWIN_BLOCKER = 0.3
RELAY_DECISION = 0.6
SAME_SUBJECT = 0.35

_TICKET = re.compile(r"\b[A-Z]{2,}[A-Z0-9]*(?:-[A-Z]+)*-\d+\b")
_SUBJECTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.I))
    for name, pattern in (
        ("exchange_rates", r"\b(?:exchange|fx|currency) rates?\b|\brates? (?:feed|source|table)\b|\b(?:take|use|pull|sync) the rates\b|\bdaily rates\b"),
        ("roles", r"\bhierarch|\brole (?:matrix|access|model)\b|\bsharing rule\b|\boverlay\b"),
        ("tax", r"\btax\b|\bvat\b|\bgst\b|\bavalara\b"),
        ("hosting_region", r"\bregion\b|\bhosting\b|\bdata residency\b|\bdata centre\b|\bdata center\b"),
        ("integration_method", r"\bidoc\b|\bodata\b|\bintegration (?:method|approach)\b|\bwebhooks?\b"),
        ("dedupe", r"\bdedupe\b|\bde-?duplicat|\bmatching rule\b"),
        ("works_agreement", r"\bworks (?:council|agreement)\b"),
        # last: "before go-live", "for go-live", "go-live comms" mention the date without deciding it
        ("go_live", r"(?<!before )(?<!after )(?<!for )(?<!until )\bgo[- ]?live\b(?! (?:comms|checklist|call|prep|support|weekend))"
                    r"|\blaunch date\b|\bgo for\b|\bit's a go\b|\bgo decision\b"),
    )
)


@dataclass(frozen=True)
class OpenItem:
    """An open item of the account, as the merge step needs to see it."""

    id: str
    kind: str
    summary: str
    owner: str | None = None
    waiting_on: str | None = None
    due: date | None = None
    category: str | None = None
    source_ids: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    threads: tuple[str, ...] = ()
    subject: str = ""

    # The derived texts and word sets below are computed once per item view: the merge step compares
    # every open item with every new record, and the store keeps a view until the item changes.

    @cached_property
    def _text(self) -> str:
        return " ".join((self.summary, *self.evidence))

    @cached_property
    def _stems(self) -> frozenset[str]:
        return content_stems(self._text)

    @cached_property
    def _focus(self) -> frozenset[str]:
        return content_stems(self.short_text())

    @cached_property
    def summary_stems(self) -> frozenset[str]:
        """Content stems of the summary alone."""
        return content_stems(self.summary)

    @cached_property
    def tickets(self) -> frozenset[str]:
        """Ticket ids named in the summary or the evidence."""
        return _tickets(self._text)

    def text(self) -> str:
        """The summary and every evidence text."""
        return self._text

    def short_text(self) -> str:
        """The summary and the short evidence texts (a long transcript mentions every date of the project)."""
        return " ".join((self.summary, *(e for e in self.evidence if len(e) <= SHORT_EVIDENCE)))

    def stems(self) -> frozenset[str]:
        """Content stems of the summary and every evidence text."""
        return self._stems

    def focus(self) -> frozenset[str]:
        """Content stems of the summary and the short evidence texts (a long transcript says too much)."""
        return self._focus


@dataclass(frozen=True)
class AddEvidence:
    """The record restates the item: add it as evidence and refresh owner, due and ball in court."""

    item_id: str
    extracted: ExtractedItem


@dataclass(frozen=True)
class Resolve:
    """The record clears the blocker or completes the next step."""

    item_id: str
    extracted: ExtractedItem


@dataclass(frozen=True)
class Supersede:
    """A later decision on the same subject replaces the earlier one (both stay in the log)."""

    old_item_id: str
    extracted: ExtractedItem


@dataclass(frozen=True)
class Create:
    """A new item."""

    extracted: ExtractedItem


Action = AddEvidence | Resolve | Supersede | Create


def subject_of(text: str) -> str:
    """A coarse subject key for decisions ("go_live", "tax", ...); empty when none applies."""
    for name, pattern in _SUBJECTS:
        if pattern.search(text):
            return name
    return ""


def _tickets(text: str) -> frozenset[str]:
    return frozenset(_TICKET.findall(text))


def _similarity(new_stems: frozenset[str], new_tickets: frozenset[str], item: OpenItem) -> float:
    """Dice overlap of a new item's words with the item's own words (summary and short evidence), or the
    share of them found anywhere in its evidence (a long transcript dilutes Dice), plus a shared ticket id."""
    score = max(overlap(new_stems, item.focus()), CONTAINMENT_WEIGHT * _containment(new_stems, item.stems()))
    if new_tickets & item.tickets:
        score += TICKET_BONUS
    return score


def _twins(a: OpenItem, b: OpenItem) -> float:
    """How much two open blockers look like one blocker raised twice (a restatement that failed to fold)."""
    return max(overlap(a.focus(), b.focus()), CONTAINMENT_WEIGHT * max(_containment(a.summary_stems, b.stems()),
                                                                       _containment(b.summary_stems, a.stems())))


def _containment(wanted: set[str], pool: set[str]) -> float:
    return len(wanted & pool) / len(wanted) if wanted else 0.0


def _best(candidates: Sequence[OpenItem], extracted: ExtractedItem, thread: str | None = None,
          body: str = "") -> tuple[OpenItem | None, float]:
    new_text = f"{extracted.summary or ''} {extracted.span}"
    new_stems, new_tickets = content_stems(new_text), _tickets(f"{new_text} {body}")  # once, not per candidate
    scored = [
        (
            _similarity(new_stems, new_tickets, item)
            + (SAME_THREAD_BONUS if thread and thread in item.threads else 0.0)
            + (SAME_CATEGORY_BONUS if extracted.category and extracted.category == item.category else 0.0),
            n,
            item,
        )
        for n, item in enumerate(candidates)
    ]
    if not scored:
        return None, 0.0
    score, _, item = max(scored, key=lambda t: (t[0], t[1]))
    return item, score


def _resolution_score(item: OpenItem, record_stems: frozenset[str], record_tickets: frozenset[str],
                      thread: str | None, extracted: ExtractedItem) -> float:
    """How well a resolving record fits an open item: shared content (both ways), a shared ticket id,
    the same thread, and the ball in court (the party the item waited on reports it done)."""
    summary_stems = item.summary_stems
    covered = len(summary_stems & record_stems) / len(summary_stems) if summary_stems else 0.0
    score = 0.5 * covered + overlap(record_stems, item.focus())
    if record_tickets & item.tickets:
        score += TICKET_BONUS
    if thread and thread in item.threads:
        score += SAME_THREAD_BONUS
    extra = extracted.extra or {}
    author, side = extra.get("author"), extra.get("side")
    if author and author == item.owner:
        score += OWNER_BONUS
    elif side and side == item.waiting_on:
        score += SIDE_BONUS
    people = extra.get("people") or ()
    if item.owner and item.owner in people and item.owner != author:
        score += OWNER_BONUS / 2
    return score


# handing something in ("Submitted — on the agenda for the 22nd", "statement sent") completes a next step
# but clears no blocker: the approval or fix it waits for has not come yet
_HANDED_IN = re.compile(r"\bsubmitted\b|\bon the agenda\b|\bscheduled\b|\bforwarded\b|\bsent (?:it|them|the|to)\b|\braised (?:it|a|the)\b", re.I)
_CLEARED = re.compile(
    r"\bapprov|\bsigned\b|\bfix(?:ed)?\b|\bresolved\b|\bgranted\b|\bunblock|\bworks?\b|\blive\b|\bwhitelist|\bauthori[sz]ed\b"
    r"|\bgo ahead\b|\bgreen light\b|\bcleared\b|\buploaded\b|\bdelivered\b|\bagreed\b|\bdecided\b|\bdone\b|\bcomplete", re.I)


def clears_blockers(text: str) -> bool:
    """Whether a resolving record can clear a blocker, not only complete a next step."""
    return not (_HANDED_IN.search(text) and not _CLEARED.search(text))


def _plan_resolution(extracted: ExtractedItem, open_items: Sequence[OpenItem], text: str,
                     thread: str | None, closed: set[str], restated: set[str]) -> list[Action]:
    """Close the best-fitting open blocker and next step (and any other clear fit) — never an item
    this same record raises or restates."""
    candidates = [i for i in open_items
                  if i.kind in ("blocker", "next_step") and i.id not in closed and i.id not in restated
                  and extracted.source_id not in i.source_ids]
    stems, tickets = content_stems(text), _tickets(text)
    scored = sorted(((_resolution_score(i, stems, tickets, thread, extracted), n, i) for n, i in enumerate(candidates)),
                    key=lambda t: (-t[0], -t[1]))
    chosen: list[OpenItem] = []
    kinds = ("blocker", "next_step") if clears_blockers(text) else ("next_step",)
    scored = [t for t in scored if t[2].kind in kinds]
    for kind in kinds:
        ranked = [(score, item) for score, _, item in scored if item.kind == kind]
        best = ranked[0] if ranked else None
        runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
        # a clear winner clears even with a weaker fit ("CAB approved the app" vs the one CAB gate)
        if best and (best[0] >= RESOLVE_THRESHOLD or (best[0] >= RESOLVE_CLEAR_WINNER and best[0] >= RESOLVE_MARGIN * runner_up)):
            chosen.append(best[1])
    chosen += [item for score, _, item in scored if score >= RESOLVE_ALSO and item not in chosen]
    twins = [
        other for other in candidates
        if other not in chosen and other.kind == "blocker"
        and any(c.kind == "blocker" and _twins(c, other) >= TWIN_BLOCKER for c in chosen)
    ]
    return [Resolve(i.id, extracted) for i in [*chosen, *twins]]


def _dates_in(text: str) -> set[str]:
    return {m.lower()[:3] for m in re.findall(r"\b\d{1,2}(?=st\b|nd\b|rd\b|th\b|\b)|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*",
                                            text, re.I)}


# "that replaces the feed we picked", "switch to OData": a change, never a relay
_CHANGE = re.compile(r"\breplac(?:es|ed|ing)\b|\binstead of\b|\bswitch(?:es|ed|ing)? (?:to|from)\b|\bno longer\b|\bchanges? (?:to|from)\b", re.I)
# "go-live stays Tuesday 12 May", "we go live as planned": the earlier decision stands, nothing replaced
_KEEPS = re.compile(r"\bas planned\b|\bstays?\b|\bremains?\b|\bunchanged\b|\bon time\b|\bstill on\b|\bas agreed\b", re.I)


def _plan_decision(extracted: ExtractedItem, decisions: Sequence[OpenItem], thread_subject: str = "") -> Action:
    """Same content (and no new date or number): a relay. Same subject, new content: supersede. A reply
    that names no subject ("Confirmed, 26 May", "Approved as proposed.") takes its thread's subject."""
    text = f"{extracted.summary or ''} {extracted.span}"
    new_dates = _dates_in(text)

    def relays(item: OpenItem) -> bool:
        return not new_dates - _dates_in(item.short_text())

    subject = subject_of(text) or thread_subject
    best, score = _best(decisions, extracted)
    same_subject = [d for d in decisions if subject and d.subject == subject]
    changes = bool(_CHANGE.search(text))
    if best and score >= RELAY_DECISION and relays(best) and not changes:
        return AddEvidence(best.id, extracted)
    if same_subject:
        latest = same_subject[-1]
        if (new_dates or _KEEPS.search(text)) and relays(latest) and not changes:
            return AddEvidence(latest.id, extracted)
        return Supersede(latest.id, extracted)
    if best and best.subject == subject and score >= SAME_SUBJECT and content_stems(text) - best.stems():
        # no subject key: a change brings a new value ("Academic goes to 35%"); without one it is a relay
        return Supersede(best.id, extracted) if changes or not relays(best) else AddEvidence(best.id, extracted)
    return Create(extracted)


def _thread_subject(open_items: Sequence[OpenItem], thread: str | None) -> str:
    """The subject of the latest open item raised or restated in this thread, if any."""
    if not thread:
        return ""
    return next((i.subject for i in reversed(open_items) if i.subject and thread in i.threads), "")


def plan_merge(
    open_items: Sequence[OpenItem],
    extracted: Sequence[ExtractedItem],
    *,
    thread: str | None = None,
    text: str = "",
) -> list[Action]:
    """Actions for one record's extracted items against the account's open items (oldest first).

    `thread` is the record's thread key (its thread root, or its own id); `text` its body, used
    to match a resolution line to the item it clears.
    """
    actions: list[Action] = []
    closed: set[str] = set()
    restated: set[str] = set()
    resolutions = [item for item in extracted if item.kind == "resolution"]
    for item in extracted:
        if item.kind == "resolution":
            continue
        same_kind = [i for i in open_items if i.kind == item.kind]
        if item.kind == "decision":
            actions.append(_plan_decision(item, same_kind, _thread_subject(open_items, thread)))
            continue
        threshold = RESTATE_BLOCKER if item.kind == "blocker" else RESTATE_NEXT_STEP
        best, score = _best([i for i in same_kind if i.id not in restated], item, thread, text)
        if best and score >= threshold:
            restated.add(best.id)
            actions.append(AddEvidence(best.id, item))
        else:
            actions.append(Create(item))
    for item in resolutions:
        planned = _plan_resolution(item, open_items, text or item.span, item.resolves or thread, closed, restated)
        closed.update(a.item_id for a in planned)
        actions.extend(planned)
    return actions
