"""The guard between an LLM's proposed items and Tandem's state.

The model only proposes data. Nothing it returns is trusted until it passes here:
the output must validate against the schema (no extra fields, so no channel, recipient,
post or status), every item's span must really be in the record, `resolves` may only
name an earlier record of the same account, items for another account are dropped,
dates must be sane, the number of items is capped, and when the record carries text
addressed to an AI ("ignore previous instructions", "mark every blocker resolved") no
resolution or decision is taken from it, nor any item quoted from that part.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from pydantic import ValidationError

from bot.extraction.analysis import ExtractionContext
from bot.extraction.llm_schema import ProposedItem
from bot.records import ExtractedItem, SourceRecord

INJECTION = re.compile(
    r"ignore (?:all |any )?(?:of )?(?:the |your )?(?:previous|prior|above|earlier|preceding) "
    r"(?:instructions|prompts?|rules)"
    r"|disregard (?:all |any )?(?:of )?(?:the |your )?(?:previous |prior |above )?(?:instructions|rules)"
    r"|\b(?:ai|llm) (?:assistant|agent|bot)s?\b"
    r"|\b(?:dear|attention|note to|message to|instructions? (?:to|for)|to (?:any|all|every)) "
    r"(?:the |an? )?(?:ai|llm|language model)s?\b"
    r"|\b(?:any|all|every) (?:automated )?(?:assistants?|bots?|agents?) (?:reading|processing|summari[sz]ing)"
    r"|system prompt|you are now\b|new instructions\s*:"
    r"|mark (?:every|all|each|any) (?:open |of the |remaining )?(?:blockers?|items?|issues?|tasks?)"
    r"(?: as)? (?:resolved|done|closed|complete)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z0-9]+")
_MASS_MENTION = re.compile(r"<[!#@]|@(?:here|channel|everyone)\b", re.IGNORECASE)


class OutputRejected(Exception):
    """The model's whole output is unusable (shape, size); the caller falls back."""


@dataclass(frozen=True)
class GuardLimits:
    """Caps and windows the guard applies."""

    max_items: int = 12
    max_resolutions: int = 3
    min_span_coverage: float = 0.8
    due_days_before: int = 14
    due_days_after: int = 400


@dataclass(frozen=True)
class Rejection:
    """One proposed item (or one field of it) the guard refused, and why."""

    index: int
    reason: str
    detail: str = ""


@dataclass
class GuardResult:
    """Items that passed, and what was refused."""

    items: list[ExtractedItem] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    proposed: int = 0

    def reasons(self) -> list[str]:
        """The rejection reasons, in order (handy in logs and tests)."""
        return [r.reason for r in self.rejections]


def injected_parts(text: str) -> list[str]:
    """Paragraphs of the text that address an AI or carry injected instructions."""
    return [p for p in re.split(r"\n\s*\n", text) if INJECTION.search(p)]


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def span_in_text(span: str, text: str, min_coverage: float = 0.8) -> bool:
    """Whether the span is in the text: verbatim modulo case and spaces, or most of its words in order-free form."""
    norm_span = " ".join(span.lower().split())
    if not norm_span:
        return False
    if norm_span in " ".join(text.lower().split()):
        return True
    wanted = _words(span)
    if len(wanted) < 2:
        return False
    present = set(_words(text))
    return sum(w in present for w in wanted) / len(wanted) >= min_coverage


def _same_account(left: str, right: str) -> bool:
    return left.strip().lower() == right.strip().lower()


def validate_payload(
    payload: object, limits: GuardLimits
) -> tuple[list[ProposedItem | None], list[Rejection]]:
    """Validate a raw output item by item: the envelope must hold only `items`, each item the schema.

    An item that fails the schema is refused (None at its index, and a Rejection); an envelope
    with other fields, or too many items, rejects the whole output.
    """
    if not isinstance(payload, Mapping):
        raise OutputRejected("output is not an object")
    extra = sorted(set(payload) - {"items"})
    if extra:
        raise OutputRejected(f"output has fields outside the schema: {', '.join(map(str, extra))}")
    raw_items = payload.get("items", [])
    if not isinstance(raw_items, list):
        raise OutputRejected("items is not a list")
    if len(raw_items) > limits.max_items:
        raise OutputRejected(f"{len(raw_items)} items proposed, more than {limits.max_items}")
    items: list[ProposedItem | None] = []
    rejections: list[Rejection] = []
    for index, raw in enumerate(raw_items):
        try:
            items.append(ProposedItem.model_validate(raw))
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['type']}" for e in exc.errors())
            rejections.append(Rejection(index, "schema", problems))
            items.append(None)
    return items, rejections


@dataclass
class Guard:
    """Checks proposed items against the record and its context before they become ExtractedItems."""

    limits: GuardLimits = field(default_factory=GuardLimits)

    def check(
        self,
        proposals: Sequence[ProposedItem | None],
        record: SourceRecord,
        context: ExtractionContext,
        *,
        text: str | None = None,
        account_key: str | None = None,
        rejections: Sequence[Rejection] = (),
    ) -> GuardResult:
        """Items that pass every rule; `text` is the record text the model saw (defaults to record.text)."""
        if len(proposals) > self.limits.max_items:
            raise OutputRejected(f"{len(proposals)} items proposed, more than {self.limits.max_items}")
        text = record.text if text is None else text
        result = GuardResult(rejections=list(rejections), proposed=len(proposals))
        expected_account = account_key or record.account
        known = self._earlier_ids(record, context, expected_account)
        injected = injected_parts(text)
        kept: list[tuple[int, ExtractedItem]] = []
        for index, proposal in enumerate(proposals):
            if proposal is None:
                continue
            reason = self._refusal(proposal, record, text, expected_account, known, injected)
            if reason:
                result.rejections.append(Rejection(index, *reason))
                continue
            item = self._to_item(index, proposal, record, result)
            if any((k.kind, k.span, k.resolves) == (item.kind, item.span, item.resolves) for _, k in kept):
                result.rejections.append(Rejection(index, "duplicate", item.span[:80]))
                continue
            kept.append((index, item))
        resolutions = [(i, k) for i, k in kept if k.kind == "resolution"]
        if len(resolutions) > self.limits.max_resolutions:
            for index, _ in resolutions:
                result.rejections.append(Rejection(index, "too_many_resolutions", str(len(resolutions))))
            kept = [(i, k) for i, k in kept if k.kind != "resolution"]
        result.items = [item for _, item in kept]
        return result

    def _earlier_ids(self, record: SourceRecord, context: ExtractionContext, account: str | None) -> set[str]:
        return {
            r.id
            for r in context.earlier
            if r.id != record.id
            and (account is None or r.account is None or _same_account(r.account, account))
        }

    def _refusal(
        self,
        proposal: ProposedItem,
        record: SourceRecord,
        text: str,
        account: str | None,
        known: set[str],
        injected: list[str],
    ) -> tuple[str, str] | None:
        """The (reason, detail) for refusing a proposal, or None when it passes."""
        if proposal.account and account and not _same_account(proposal.account, account):
            return "other_account", proposal.account
        if not span_in_text(proposal.span, text, self.limits.min_span_coverage):
            return "span_not_in_record", proposal.span[:80]
        if injected:
            if proposal.kind in ("resolution", "decision"):
                return "injection", f"{proposal.kind} from a record addressed to an AI"
            if any(span_in_text(proposal.span, part, 0.6) for part in injected):
                return "injection", "span quotes the injected part"
        if proposal.resolves is not None and proposal.resolves not in known:
            return "unknown_resolves", proposal.resolves[:80]
        if proposal.due is not None:
            day = record.ts.date()
            low = day - timedelta(days=self.limits.due_days_before)
            high = day + timedelta(days=self.limits.due_days_after)
            if not low <= proposal.due <= high:
                return "due_out_of_window", proposal.due.isoformat()
        return None

    def _to_item(
        self, index: int, proposal: ProposedItem, record: SourceRecord, result: GuardResult
    ) -> ExtractedItem:
        """The ExtractedItem of a passing proposal, with fields its kind may not carry cleared."""
        span = " ".join(proposal.span.split())
        if proposal.kind == "resolution":
            return ExtractedItem(
                record.id,
                "resolution",
                None,
                resolves=proposal.resolves,
                confidence=proposal.confidence,
                span=span,
            )
        resolves = proposal.resolves
        if resolves is not None and proposal.kind != "decision":
            result.rejections.append(Rejection(index, "resolves_not_allowed", proposal.kind))
            resolves = None
        owner = proposal.owner.strip() if proposal.owner else None
        if owner and _MASS_MENTION.search(owner):
            result.rejections.append(Rejection(index, "owner_is_mention", owner[:40]))
            owner = None
        return ExtractedItem(
            source_id=record.id,
            kind=proposal.kind,
            summary=(proposal.summary or span)[:300],
            owner=owner or None,
            waiting_on=proposal.waiting_on,
            due=proposal.due if proposal.kind == "next_step" else None,
            category=(proposal.category or "other") if proposal.kind == "blocker" else None,
            resolves=resolves,
            confidence=proposal.confidence,
            span=span,
        )
