"""Block Kit builders: plain data in, blocks out, within Slack's limits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.portfolio import AccountStatus, ItemLine

SECTION_LIMIT = 3000
MAX_BLOCKS = 50

Block = dict[str, Any]


def escape(text: str) -> str:
    """Escape Slack's control characters so quoted text can never mention or link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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
