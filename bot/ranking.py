"""What to move on next: a pure, deterministic ranking of an IM's open items, with a why and an action each.

No database, no Slack, no clock: the caller passes the items, the IM's local `today` and the datetimes
already converted to the IM's time zone (only their `.date()` is used here).

Score of one open item (decisions and items snoozed past today are not ranked)::

    score = (open_base + overdue + blocker + stalled + due_soon + at_risk) × go-live multiplier

"Ours" means the ball is in our court: `waiting_on == "vendor"`, or, when `waiting_on` is unknown,
`owner_side == "vendor"`. "Theirs" is the customer or a third party. All weights live in `Weights`:

| weight | default | meaning |
|---|---|---|
| `open_base` | 1 | every open item, so items with no other signal still rank |
| `overdue_ours` | 50 | due date passed, ball in our court (weighs most) |
| `overdue_theirs` | 25 | due date passed, ball with the customer, a third party or unknown |
| `overdue_per_day` | 5 | added per calendar day overdue … |
| `overdue_cap_days` | 10 | … counting at most this many days |
| `blocker_ours` | 40 | open blocker waiting on us: we can unblock it |
| `blocker_theirs` | 25 | open blocker waiting on the customer, a third party or unknown: chase |
| `stalled_base` | 10 | no activity for `stall_days` business days (default 3, an IM setting) … |
| `stalled_per_day` | 3 | … plus this per business day without activity (longest first) … |
| `stalled_cap_days` | 10 | … counting at most this many business days |
| `due_soon_days` | 3 | "due soon" is due today or within this many calendar days |
| `due_soon_base` | 15 | due soon, due on the last day of the window … |
| `due_soon_per_day` | 5 | … plus this per day sooner (due today: 15 + 3 × 5 = 30) |
| `at_risk_min_blockers` | 2 | account at risk: at least this many open blockers … |
| `at_risk_golive_days` | 14 | … and go-live within this many days (or passed) |
| `at_risk_bonus` | 15 | added to every item of an account at risk |
| `golive_window_days` | 30 | go-live within this many days boosts the account's items … |
| `golive_boost` | 1.0 | … multiplier 1 + boost × (window − days to go-live) / window: ×2 at go-live, ×1 at 30 days |
| `blocked_days` | 5 | account health: a blocker with no activity for this many business days blocks the account |

Ties: higher score first, then earlier due date (none last), then lower item id.

`why` is the top reason joined by " — " with one line of context: the go-live date when within
`golive_window_days`, else "account at risk", else whom the item waits on ("overdue 2 days — go-live in
9 days", "stalled 6 business days — waiting on customer", "due tomorrow"). `reasons` keeps every reason,
strongest first.

Account health (App Home), first rule that matches:

* **blocked**: an open blocker has had no activity for `blocked_days` business days (snoozed blockers
  excepted), or go-live has passed with a blocker still open;
* **at risk**: the account is at risk as above (`at_risk_min_blockers` open blockers and go-live within
  `at_risk_golive_days`), or an open item is overdue, or an open item is stalled;
* **on track**: otherwise.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Literal

from bot.business_days import add_business_days, business_days_between, is_stalled

__all__ = [
    "DEFAULT_WEIGHTS",
    "Health",
    "RankInput",
    "RankedItem",
    "Weights",
    "account_health",
    "add_business_days",
    "business_days_between",
    "is_stalled",
    "rank_items",
]

Health = Literal["on_track", "at_risk", "blocked"]

OPEN_STATUSES = ("open", "snoozed")
ACTION_MAX_CHARS = 100
_PARTY = {"vendor": "us", "customer": "customer", "third_party": "third party"}


@dataclass(frozen=True)
class RankInput:
    """One open item as ranking sees it, with its account's name and go-live date."""

    item_id: int
    account_key: str
    account_name: str
    kind: str
    summary: str
    owner: str | None
    owner_side: str | None
    waiting_on: str | None
    waiting_since: datetime | None
    due: date | None
    category: str | None
    last_activity: datetime
    golive: date | None
    status: str = "open"
    snoozed_until: date | None = None

    @property
    def ball(self) -> str | None:
        """Whose court the ball is in: `vendor`, `customer`, `third_party`, or None when unknown."""
        for side in (self.waiting_on, self.owner_side):
            if side in _PARTY:
                return side
        return None

    def snoozed(self, today: date) -> bool:
        """True while a snooze runs: the item is hidden until `snoozed_until`, and shows again on that day."""
        return self.snoozed_until is not None and self.snoozed_until > today


@dataclass(frozen=True)
class RankedItem:
    """One ranked item: its place, its score and why it is there."""

    input: RankInput
    rank: int
    score: float
    why: str
    action: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Weights:
    """Every weight and threshold of the ranking and of account health; see the module docstring table."""

    open_base: float = 1
    overdue_ours: float = 50
    overdue_theirs: float = 25
    overdue_per_day: float = 5
    overdue_cap_days: int = 10
    blocker_ours: float = 40
    blocker_theirs: float = 25
    stalled_base: float = 10
    stalled_per_day: float = 3
    stalled_cap_days: int = 10
    due_soon_days: int = 3
    due_soon_base: float = 15
    due_soon_per_day: float = 5
    at_risk_min_blockers: int = 2
    at_risk_golive_days: int = 14
    at_risk_bonus: float = 15
    golive_window_days: int = 30
    golive_boost: float = 1.0
    blocked_days: int = 5


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class _Signal:
    points: float
    label: str
    order: int  # breaks ties between equal points: overdue, blocker, stalled, due soon


def rank_items(
    items: Sequence[RankInput], *, today: date, weights: Weights = DEFAULT_WEIGHTS, stall_days: int = 3
) -> list[RankedItem]:
    """Rank the open blockers and next steps of `items`, best first, each with `why` and `action`.

    Decisions, closed items and items snoozed past `today` are left out; they still count as open
    blockers for "account at risk" when they are snoozed blockers.
    """
    if stall_days < 1:
        raise ValueError(f"stall_days must be at least 1, got {stall_days}")
    blockers = Counter(item.account_key for item in items if _open_blocker(item))
    scored = [
        _rank_one(item, today, weights, stall_days, _at_risk(blockers[item.account_key], item.golive, today, weights))
        for item in items
        if item.kind != "decision" and item.status in OPEN_STATUSES and not item.snoozed(today)
    ]
    scored.sort(key=lambda r: (-r.score, r.input.due or date.max, r.input.item_id, r.input.account_key, r.input.summary))
    return [replace(ranked, rank=n) for n, ranked in enumerate(scored, start=1)]


def account_health(
    open_items: Sequence[RankInput],
    golive: date | None,
    today: date,
    *,
    weights: Weights = DEFAULT_WEIGHTS,
    stall_days: int = 3,
) -> Health:
    """`blocked`, `at_risk` or `on_track` by the rule in the module docstring."""
    items = [item for item in open_items if item.kind != "decision" and item.status in OPEN_STATUSES]
    blockers = [item for item in items if item.kind == "blocker"]
    awake = [item for item in items if not item.snoozed(today)]
    if blockers and golive is not None and golive < today:
        return "blocked"
    if any(
        item.kind == "blocker" and is_stalled(item.last_activity.date(), today, weights.blocked_days)
        for item in awake
    ):
        return "blocked"
    if _at_risk(len(blockers), golive, today, weights):
        return "at_risk"
    if any(item.due is not None and item.due < today for item in items):
        return "at_risk"
    if any(is_stalled(item.last_activity.date(), today, stall_days) for item in awake):
        return "at_risk"
    return "on_track"


def _open_blocker(item: RankInput) -> bool:
    return item.kind == "blocker" and item.status in OPEN_STATUSES


def _at_risk(open_blockers: int, golive: date | None, today: date, weights: Weights) -> bool:
    """Several open blockers and go-live near (or passed)."""
    return (
        open_blockers >= weights.at_risk_min_blockers
        and golive is not None
        and (golive - today).days <= weights.at_risk_golive_days
    )


def _rank_one(item: RankInput, today: date, weights: Weights, stall_days: int, at_risk: bool) -> RankedItem:
    """Score and explain one item; `rank` is set by the caller."""
    ball = item.ball
    signals = _signals(item, ball, today, weights, stall_days)
    main = [s.label for s in sorted(signals, key=lambda s: (-s.points, s.order))]
    golive_label = _golive_label(item.golive, today, weights)
    ball_label = f"waiting on {_PARTY[ball]}" if ball else None
    context = [label for label in (golive_label, "account at risk" if at_risk else None, ball_label) if label]
    reasons = tuple(main + context) or ("open next step",)
    primary = reasons[0]
    blocker_label = next((s.label for s in signals if s.order == 1), None)
    secondary = next(
        (c for c in context if c != primary and not (c == ball_label and primary == blocker_label)), None
    )
    why = f"{primary} — {secondary}" if secondary else primary
    additive = weights.open_base + sum(s.points for s in signals) + (weights.at_risk_bonus if at_risk else 0)
    score = round(additive * _golive_multiplier(item.golive, today, weights), 2)
    return RankedItem(input=item, rank=0, score=score, why=why, action=_action(item, ball, today), reasons=reasons)


def _signals(item: RankInput, ball: str | None, today: date, weights: Weights, stall_days: int) -> list[_Signal]:
    """The additive reasons of one item, each with its points."""
    ours = ball == "vendor"
    signals: list[_Signal] = []
    if item.due is not None and item.due < today:
        late = (today - item.due).days
        base = weights.overdue_ours if ours else weights.overdue_theirs
        points = base + weights.overdue_per_day * min(late, weights.overdue_cap_days)
        signals.append(_Signal(points, f"overdue {_plural(late, 'day')}", 0))
    if item.kind == "blocker":
        if ours:
            signals.append(_Signal(weights.blocker_ours, "blocker we can unblock", 1))
        else:
            label = f"blocked on {_PARTY[ball]}" if ball else "open blocker"
            signals.append(_Signal(weights.blocker_theirs, label, 1))
    idle = business_days_between(item.last_activity.date(), today)
    if idle >= stall_days:
        points = weights.stalled_base + weights.stalled_per_day * min(idle, weights.stalled_cap_days)
        signals.append(_Signal(points, f"stalled {_plural(idle, 'business day')}", 2))
    if item.due is not None and 0 <= (item.due - today).days <= weights.due_soon_days:
        left = (item.due - today).days
        points = weights.due_soon_base + weights.due_soon_per_day * (weights.due_soon_days - left)
        label = {0: "due today", 1: "due tomorrow"}.get(left, f"due in {left} days")
        signals.append(_Signal(points, label, 3))
    return signals


def _golive_multiplier(golive: date | None, today: date, weights: Weights) -> float:
    """1 far from go-live, rising linearly to 1 + `golive_boost` on the go-live date (and after it)."""
    if golive is None or weights.golive_window_days <= 0:
        return 1.0
    days = (golive - today).days
    if days > weights.golive_window_days:
        return 1.0
    return 1.0 + weights.golive_boost * (weights.golive_window_days - max(days, 0)) / weights.golive_window_days


def _golive_label(golive: date | None, today: date, weights: Weights) -> str | None:
    if golive is None:
        return None
    days = (golive - today).days
    if days > weights.golive_window_days:
        return None
    if days < 0:
        return f"go-live passed {_plural(-days, 'day')} ago"
    return {0: "go-live today", 1: "go-live tomorrow"}.get(days, f"go-live in {days} days")


def _action(item: RankInput, ball: str | None, today: date) -> str:
    """What the IM should do, under `ACTION_MAX_CHARS` characters."""
    summary = " ".join(item.summary.split()).rstrip(".")
    if ball in ("customer", "third_party"):
        since = (item.waiting_since or item.last_activity).date()
        waited = (today - since).days
        pending = "pending today" if waited <= 0 else f"pending {_plural(waited, 'day')}"
        who = f"{item.owner} at {item.account_name}" if item.owner else item.account_name
        return _fit(f"chase {who}: ", summary, f" {pending}")
    if ball == "vendor":
        return _fit("unblock: " if item.kind == "blocker" else "do it today: ", summary, "")
    if item.owner:
        return _fit(f"follow up with {item.owner} at {item.account_name}: ", summary, "")
    return _fit(f"find an owner at {item.account_name}: ", summary, "")


def _fit(prefix: str, summary: str, suffix: str, limit: int = ACTION_MAX_CHARS) -> str:
    """`prefix + summary + suffix`, the summary shortened so that the whole fits in `limit`."""
    room = max(limit - len(prefix) - len(suffix), 20)
    return _shorten(prefix + _shorten(summary, room) + suffix, limit)


def _shorten(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-—") + "…"


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"
