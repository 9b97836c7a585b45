"""Plain-text renderings of read models, for the CLI and the demo."""

from __future__ import annotations

from collections.abc import Sequence

from bot.item_queries import ItemView
from bot.next_items import NextItem
from bot.portfolio import AccountStatus, ItemLine


def _item(line: ItemLine) -> str:
    parts = [line.summary]
    if line.owner:
        parts.append(f"owner {line.owner}")
    if line.due:
        parts.append(f"due {line.due:%a %d %b}")
    if line.waiting_on:
        parts.append(f"waiting on {line.waiting_on}")
    return "  - " + " | ".join(parts)


def status_text(status: AccountStatus) -> str:
    """`tandem status ACCOUNT` as a person reads it."""
    golive = f"{status.golive:%a %d %b %Y}" if status.golive else "not set"
    activity = f"{status.last_activity:%Y-%m-%d %H:%M} UTC" if status.last_activity else "none yet"
    lines = [
        f"{status.name} ({status.key})",
        f"  stage {status.stage}, go-live {golive}, last activity {activity}",
        f"  {status.sources} sources, {len(status.open_blockers)} open blockers, "
        f"{len(status.open_next_steps)} open next steps, {status.decisions} decisions",
    ]
    if status.open_blockers:
        lines.append("  Open blockers:")
        lines.extend(_item(line) for line in status.open_blockers)
    if status.open_next_steps:
        lines.append("  Open next steps:")
        lines.extend(_item(line) for line in status.open_next_steps)
    return "\n".join(lines)


def accounts_text(statuses: Sequence[AccountStatus]) -> str:
    """`tandem accounts` as a person reads it."""
    if not statuses:
        return "No accounts yet."
    rows = []
    for status in statuses:
        golive = f"{status.golive:%Y-%m-%d}" if status.golive else "-"
        rows.append(
            f"{status.key:<20} {status.stage:<14} go-live {golive:<10}  {status.sources:>4} sources  "
            f"{len(status.open_blockers):>2} blockers  {len(status.open_next_steps):>2} next steps"
        )
    return "\n".join(rows)


def items_text(views: Sequence[ItemView], *, kind: str) -> str:
    """Blockers or decisions as a person reads them, each with its evidence ids."""
    if not views:
        return f"No {'open blockers' if kind == 'blocker' else 'decisions'}."
    lines = []
    for view in views:
        head = f"[{view.status}] {view.summary}"
        details = []
        if view.owner:
            details.append(("by " if kind == "decision" else "owner ") + view.owner)
        if view.waiting_on:
            details.append(f"waiting on {view.waiting_on}")
        if view.due:
            details.append(f"due {view.due:%a %d %b}")
        if view.category:
            details.append(view.category)
        details.append(f"{view.first_seen:%Y-%m-%d}")
        lines.append(f"- {head}\n    {' | '.join(details)} | evidence: {', '.join(e.source_id for e in view.supporting)}")
    return "\n".join(lines)


def next_text(items: Sequence[NextItem]) -> str:
    """`tandem next` as a person reads it."""
    if not items:
        return "Nothing to move on right now."
    lines = []
    for entry in items:
        lines.append(f"{entry.ranked.rank:>2}. [{entry.view.account}] {entry.view.summary}")
        lines.append(f"    why: {entry.ranked.why}\n    do:  {entry.ranked.action}")
    return "\n".join(lines)
