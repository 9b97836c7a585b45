"""Block Kit builders: plain data in, blocks out, within Slack's limits."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.item_queries import ItemView
from bot.next_items import NextItem
from bot.portfolio import AccountStatus, ItemLine
from handlers import ids

SECTION_LIMIT = 3000
MAX_BLOCKS = 50

Block = dict[str, Any]


def escape(text: str) -> str:
    """Escape Slack's control characters so quoted text can never mention or link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_keeping_user_mentions(text: str) -> str:
    """Escape text, but keep `<@U…>` user mentions that our own sentences put there."""
    return re.sub(r"&lt;@([UW][A-Z0-9]+)&gt;", r"<@\1>", escape(text))


def section(text: str) -> Block:
    """A mrkdwn section, cut to Slack's limit."""
    if len(text) > SECTION_LIMIT:
        text = text[: SECTION_LIMIT - 1] + "…"
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def context(text: str) -> Block:
    """A small grey line."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:SECTION_LIMIT]}]}


def capped(blocks: Sequence[Block]) -> list[Block]:
    """At most 50 blocks; the last one says how many were left out."""
    if len(blocks) <= MAX_BLOCKS:
        return list(blocks)
    kept = list(blocks[: MAX_BLOCKS - 1])
    kept.append(context(f"…and {len(blocks) - len(kept)} more not shown."))
    return kept


def message_blocks(text: str) -> list[Block]:
    """One plain answer as a section."""
    return [section(text)]


def _item_text(line: ItemLine) -> str:
    parts = [escape(line.summary)]
    if line.owner:
        parts.append(f"owner: {escape(line.owner)}")
    if line.due:
        parts.append(f"due {line.due:%a %d %b}")
    if line.waiting_on:
        parts.append(f"waiting on {line.waiting_on}")
    return "• " + " — ".join(parts)


def status_blocks(status: AccountStatus) -> list[Block]:
    """`/tandem status` for one account."""
    golive = f"{status.golive:%a %d %b %Y}" if status.golive else "not set"
    activity = f"{status.last_activity:%d %b %Y %H:%M} UTC" if status.last_activity else "none yet"
    blocks: list[Block] = [
        section(f"*{escape(status.name)}* (`{status.key}`) — stage *{status.stage}*, go-live *{golive}*"),
        context(
            f"{status.sources} sources · {len(status.open_blockers)} open blockers · "
            f"{len(status.open_next_steps)} open next steps · {status.decisions} decisions · last activity {activity}"
        ),
    ]
    if status.open_blockers:
        blocks.append(section("*Open blockers*\n" + "\n".join(_item_text(line) for line in status.open_blockers[:10])))
    if status.open_next_steps:
        blocks.append(
            section("*Open next steps*\n" + "\n".join(_item_text(line) for line in status.open_next_steps[:10]))
        )
    return capped(blocks)


def accounts_blocks(statuses: Sequence[AccountStatus]) -> list[Block]:
    """`/tandem accounts`: one line per account."""
    if not statuses:
        return [section("No accounts yet. Link a customer channel with `/tandem link <account>`.")]
    lines = []
    for status in statuses:
        golive = f"{status.golive:%d %b}" if status.golive else "no go-live"
        lines.append(
            f"• *{escape(status.name)}* (`{status.key}`) — {status.stage}, {golive}, "
            f"{len(status.open_blockers)} blockers, {len(status.open_next_steps)} next steps"
        )
    return capped([section("*Accounts*"), *[section(line) for line in lines]])


def _source_link(view: ItemView) -> str:
    link = view.first_permalink
    sources = view.supporting
    if link:
        return f"<{link}|source>"
    return f"source {escape(sources[0].source_id)}" if sources else "no source left"


def item_line(view: ItemView) -> str:
    """One blocker, next step or decision with its details and a link to where it came from."""
    parts = [f"*{escape(view.summary)}*"]
    if view.kind == "decision":
        if view.owner:
            parts.append(f"by {escape(view.owner)}")
        parts.append(f"{view.first_seen:%d %b %Y}")
        if view.status == "superseded":
            parts.append("_superseded_")
    else:
        if view.owner:
            parts.append(f"owner {escape(view.owner)}")
        if view.waiting_on:
            since = f" since {view.waiting_since:%d %b}" if view.waiting_since else ""
            parts.append(f"waiting on {view.waiting_on}{since}")
        if view.due:
            parts.append(f"due {view.due:%a %d %b}")
        if view.category:
            parts.append(view.category.replace("_", " "))
    return " · ".join(parts) + f" · {_source_link(view)}"


def items_blocks(title: str, views: Sequence[ItemView], *, empty: str) -> list[Block]:
    """A titled list of items grouped by account, each linked to its source."""
    if not views:
        return [section(empty)]
    result: list[Block] = [section(f"*{escape(title)}*")]
    current = None
    for view in views:
        if view.account != current:
            current = view.account
            result.append(context(f"*{escape(view.account_name)}* (`{view.account}`)"))
        result.append(section(item_line(view)))
    return capped(result)


def _button(text: str, action_id: str, value: str, *, style: str | None = None) -> Block:
    button: Block = {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": action_id,
                     "value": value}
    if style:
        button["style"] = style
    return button


def item_buttons(item_id: int, permalink: str | None, *, origin: str, page: int = 0) -> Block:
    """Done, Snooze, Open source (when there is a permalink) and Not right."""
    value = ids.item_value(item_id, origin=origin, page=page)
    elements = [_button("Done", ids.ITEM_DONE, value, style="primary"), _button("Snooze", ids.ITEM_SNOOZE, value)]
    if permalink:
        elements.append({"type": "button", "text": {"type": "plain_text", "text": "Open source"},
                         "action_id": ids.ITEM_OPEN_SOURCE, "url": permalink, "value": value})
    elements.append(_button("Not right", ids.ITEM_NOT_RIGHT, value))
    return {"type": "actions", "block_id": f"item_{item_id}", "elements": elements}


def next_blocks(items: Sequence[NextItem], *, page: int = 0, page_size: int = 5) -> list[Block]:
    """`/tandem next`: the page's items with why, a suggested action and buttons, and "Show more"."""
    if not items:
        return [section("Nothing to move on right now: no open blockers or next steps in your accounts. :tada:")]
    shown = items[page * page_size:(page + 1) * page_size]
    result: list[Block] = [section(f"*What to move on next* ({len(items)} open)")]
    for entry in shown:
        ranked, view = entry.ranked, entry.view
        kind = "Blocker" if view.kind == "blocker" else "Next step"
        result.append(section(
            f"*{ranked.rank}. {escape(view.summary)}*\n{kind} · {escape(view.account_name)} · _{escape(ranked.why)}_\n"
            f"→ {escape(ranked.action)}"))
        result.append(item_buttons(view.id, view.first_permalink, origin="next", page=page))
    if len(items) > (page + 1) * page_size:
        result.append({"type": "actions", "block_id": "next_more", "elements": [
            _button("Show more", ids.NEXT_SHOW_MORE, str(page + 1))]})
    return capped(result)
