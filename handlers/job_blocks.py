"""Block Kit for what jobs post: the daily digest and nudges."""

from __future__ import annotations

from collections.abc import Sequence

from bot.digest import AccountChanges, Digest
from bot.item_queries import ItemView
from handlers.blocks import Block, capped, context, escape, item_buttons, section

NOTHING_CHANGED = "Good morning! Nothing changed in your accounts since the last digest, and nothing is waiting on you."


def _titles(views: Sequence[ItemView], limit: int = 5) -> str:
    shown = [f"• {escape(v.summary)}" + (f" (due {v.due:%a %d %b})" if v.kind == "next_step" and v.due else "")
             for v in views[:limit]]
    if len(views) > limit:
        shown.append(f"• …and {len(views) - limit} more")
    return "\n".join(shown)


def _account_section(changes: AccountChanges) -> list[Block]:
    golive = ""
    if changes.days_to_golive is not None:
        golive = f" — go-live in {changes.days_to_golive} days" if changes.days_to_golive >= 0 else " — go-live passed"
    parts = [f"*{escape(changes.name)}*{golive}"]
    for label, views in (("New blockers", changes.new_blockers), ("Resolved blockers", changes.resolved_blockers),
                         ("Decisions", changes.decisions), ("Due today or overdue", changes.due_or_overdue),
                         ("Stalled", changes.stalled)):
        if views:
            parts.append(f"_{label}_\n{_titles(views)}")
    if not changes.changed:
        parts.append("No changes.")
    return [section("\n".join(parts))]


def digest_text(digest: Digest) -> str:
    """The notification text of a digest."""
    if digest.nothing_changed:
        return NOTHING_CHANGED
    return f"Your Tandem digest for {digest.local_date:%A %d %B}"


def digest_blocks(digest: Digest) -> list[Block]:
    """The grouped digest: what waits on the IM first, then each account."""
    if digest.nothing_changed:
        return [section(NOTHING_CHANGED)]
    result: list[Block] = [section(f"*Your Tandem digest for {digest.local_date:%A %d %B}*")]
    if digest.waiting_on_you:
        lines = [f"{entry.ranked.rank}. {escape(entry.view.summary)} — _{escape(entry.ranked.why)}_ "
                 f"({escape(entry.view.account_name)})" for entry in digest.waiting_on_you]
        result.append(section("*Waiting on you*\n" + "\n".join(lines)))
    for changes in digest.accounts:
        result.extend(_account_section(changes))
    return capped(result)


def nudge_text(view: ItemView, *, business_days: int) -> str:
    """The one-line notification of a nudge."""
    return f"Stalled {business_days} business days: {view.summary}"


def nudge_blocks(view: ItemView, *, business_days: int, escalation: bool = False,
                 owner_user_id: str | None = None) -> list[Block]:
    """A nudge (or the lead's escalation) naming the item, its age, whom it waits on and its source."""
    kind = "Blocker" if view.kind == "blocker" else "Next step"
    waiting = f" · waiting on {view.waiting_on}" if view.waiting_on else ""
    owner = f" · owner {escape(view.owner)}" if view.owner else ""
    head = "Escalation: still stalled" if escalation else "Stalled"
    source = f" · <{view.first_permalink}|source>" if view.first_permalink else ""
    lines = [section(f"*{head} {business_days} business days* — {escape(view.account_name)}\n"
                     f"*{escape(view.summary)}*\n{kind}{owner}{waiting}{source}")]
    if escalation:
        im = f"<@{owner_user_id}>" if owner_user_id else "nobody"
        lines.append(context(f"The account's IM ({im}) was nudged and nothing moved."))
    else:
        lines.append(context("React ✅ when it's done or 💤 to snooze it, or use the buttons."))
        lines.append(item_buttons(view.id, view.first_permalink, origin="nudge"))
    return lines


def nudge_outcome_blocks(view: ItemView, said: str) -> list[Block]:
    """What a nudge shows after someone acted on it."""
    return [section(f"~{escape(view.summary)}~" if view.status in ("done", "resolved") else escape(view.summary)),
            context(escape(said))]
