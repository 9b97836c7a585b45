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

from bot.extraction.similarity import content_stems, overlap
from bot.records import ExtractedItem

RESTATE_BLOCKER = 0.25
RESTATE_NEXT_STEP = 0.45
RESOLVE_ACROSS_THREADS = 0.3
RESOLVE_ALSO_IN_THREAD = 0.1
SAME_THREAD_BONUS = 0.3
SAME_CATEGORY_BONUS = 0.15
TWIN_BLOCKER = 0.3
RELAY_DECISION = 0.6
SAME_SUBJECT = 0.35

_TICKET = re.compile(r"\b[A-Z]{2,}[A-Z0-9]*(?:-[A-Z]+)*-\d+\b")
_SUBJECTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.I))
    for name, pattern in (
        ("go_live", r"\bgo[- ]?live\b|\blaunch date\b|\bgo for\b|\bit's a go\b|\bgo decision\b"),
        ("exchange_rates", r"\b(?:exchange|fx|currency) rates?\b|\brates? (?:feed|source|table)\b"),
        ("roles", r"\bhierarch|\brole (?:matrix|access|model)\b|\bsharing rule\b|\boverlay\b"),
        ("tax", r"\btax\b|\bvat\b|\bgst\b|\bavalara\b"),
        ("hosting_region", r"\bregion\b|\bhosting\b|\bdata residency\b|\bdata centre\b|\bdata center\b"),
        ("integration_method", r"\bidoc\b|\bodata\b|\bintegration (?:method|approach)\b|\bwebhooks?\b"),
        ("dedupe", r"\bdedupe\b|\bde-?duplicat|\bmatching rule\b"),
        ("works_agreement", r"\bworks (?:council|agreement)\b"),
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

    def text(self) -> str:
        return " ".join((self.summary, *self.evidence))


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


def _tickets(text: str) -> set[str]:
    return set(_TICKET.findall(text))


def _similarity(extracted: ExtractedItem, item: OpenItem, body: str = "") -> float:
    new_text = f"{extracted.summary or ''} {extracted.span}"
    score = overlap(new_text, item.text())
    if _tickets(f"{new_text} {body}") & _tickets(item.text()):
        score += 0.5
    return score


def _best(candidates: Sequence[OpenItem], extracted: ExtractedItem, thread: str | None = None,
          body: str = "") -> tuple[OpenItem | None, float]:
    scored = [
        (
            _similarity(extracted, item, body)
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


def _plan_resolution(extracted: ExtractedItem, open_items: Sequence[OpenItem], text: str,
                     thread: str | None, closed: set[str]) -> list[Action]:
    candidates = [i for i in open_items if i.kind in ("blocker", "next_step") and i.id not in closed]
    probe = ExtractedItem(extracted.source_id, "resolution", text, span=extracted.span)
    in_thread = [i for i in candidates if thread and thread in i.threads]
    if in_thread:
        best, _ = _best(in_thread, probe)
        chosen = [best] + [i for i in in_thread if i is not best and _similarity(probe, i) >= RESOLVE_ALSO_IN_THREAD]
    else:
        chosen = []
        for kind in ("blocker", "next_step"):
            best, score = _best([i for i in candidates if i.kind == kind], probe)
            if best and score >= RESOLVE_ACROSS_THREADS:
                chosen.append(best)
    twins = [
        other for other in candidates
        if other not in chosen and other.kind == "blocker"
        and any(c.kind == "blocker" and overlap(c.summary, other.summary) >= TWIN_BLOCKER for c in chosen if c)
    ]
    return [Resolve(i.id, extracted) for i in [*chosen, *twins] if i]


def _dates_in(text: str) -> set[str]:
    return {m.lower() for m in re.findall(r"\b\d{1,2}\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*", text, re.I)}


def _plan_decision(extracted: ExtractedItem, decisions: Sequence[OpenItem]) -> Action:
    """Same content (and no new date or number): a relay. Same subject, new content: supersede."""
    text = f"{extracted.summary or ''} {extracted.span}"
    new_dates = _dates_in(text)

    def relays(item: OpenItem) -> bool:
        return not new_dates - _dates_in(item.text())

    subject = subject_of(text)
    best, score = _best(decisions, extracted)
    same_subject = [d for d in decisions if subject and d.subject == subject]
    if best and score >= RELAY_DECISION and relays(best):
        return AddEvidence(best.id, extracted)
    if same_subject:
        latest = same_subject[-1]
        if new_dates and relays(latest):
            return AddEvidence(latest.id, extracted)
        return Supersede(latest.id, extracted)
    if best and score >= SAME_SUBJECT and content_stems(text) - content_stems(best.text()):
        return Supersede(best.id, extracted)
    return Create(extracted)


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
    for item in extracted:
        if item.kind == "resolution":
            planned = _plan_resolution(item, open_items, text or item.span, item.resolves or thread, closed)
            closed.update(a.item_id for a in planned if isinstance(a, Resolve))
            actions.extend(planned)
            continue
        same_kind = [i for i in open_items if i.kind == item.kind and i.id not in closed]
        if item.kind == "decision":
            actions.append(_plan_decision(item, same_kind))
            continue
        threshold = RESTATE_BLOCKER if item.kind == "blocker" else RESTATE_NEXT_STEP
        best, score = _best(same_kind, item, thread, text)
        if best and score >= threshold and best.id not in {getattr(a, "item_id", "") for a in actions}:
            actions.append(AddEvidence(best.id, item))
        else:
            actions.append(Create(item))
    return actions
